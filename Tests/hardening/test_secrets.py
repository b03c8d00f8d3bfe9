"""No password or key in any log line, stderr line or tool result of a full session, except
account passwords for holders of `all`, as DESIGN.md says."""
from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from mcp_harness import MCP_BIN, TUI_BIN, clean_env, tui  # noqa: E402

KEY = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
USER_PASSWORD = "user-secret-Zq81"
ACCOUNT_PASSWORD = "account-secret-Yw42"


def session(db: Path, user: str, requests: list[dict]) -> tuple[list[dict], str]:
    lines = [{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "s", "version": "1"}}}]
    lines += [{"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": p} for i, p in enumerate(requests)]
    proc = subprocess.run([str(MCP_BIN), "--db", str(db), "--user", user, "--password", USER_PASSWORD],
                          input="".join(json.dumps(m) + "\n" for m in lines).encode(), capture_output=True, timeout=60,
                          env=clean_env(db.parent, CMDBSYNCER_CRYPTOGRAPHY_KEY=KEY))
    assert proc.returncode == 0, proc.stderr
    # Replies come in the order requests finish; index them by id.
    return sorted((json.loads(l) for l in proc.stdout.decode().splitlines()), key=lambda r: r["id"]), proc.stderr.decode()


def test_no_secret_leaks_from_a_full_session(tmp_path):
    db = tmp_path / "syncer.sqlite"
    env = clean_env(tmp_path, CMDBSYNCER_CRYPTOGRAPHY_KEY=KEY)

    def admin(*args, stdin=None):
        out = subprocess.run([str(TUI_BIN), "--db", str(db), *args], input=stdin, capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        return out.stdout + out.stderr

    transcript = []
    transcript.append(admin("demo", "--hosts", "20"))
    transcript.append(admin("user", "add", "ops@example.org", "--api-role", "mcp", "--password-stdin", stdin=USER_PASSWORD + "\n"))
    transcript.append(admin("user", "add", "root@example.org", "--api-role", "all", "--password-stdin", stdin=USER_PASSWORD + "\n"))
    bundle = tmp_path / "acc.json"
    bundle.write_text(json.dumps({"rules": {"accounts": [{"name": "vault", "typ": "csv", "password": ACCOUNT_PASSWORD}]}}))
    transcript.append(admin("rules", "import", str(bundle)))
    transcript.append(admin("accounts", "show", "vault"))
    transcript.append(admin("user", "list", "--json"))
    transcript.append(admin("rules", "export", "--include-accounts", "--include-users"))

    calls = [
        {"name": "get_account", "arguments": {"name": "vault"}},
        {"name": "export_all_rules", "arguments": {"include_accounts": True, "include_users": True}},
        {"name": "export_rules", "arguments": {"rule_type": "users"}},
        {"name": "get_recent_logs", "arguments": {"limit": 1000}},
        {"name": "upsert_host", "arguments": {"hostname": "s1", "account": "vault", "labels": {}}},
    ]
    replies, stderr = session(db, "ops@example.org", calls)
    text = json.dumps(replies) + stderr + "".join(transcript)
    with sqlite3.connect(db) as conn:
        text += json.dumps(conn.execute("SELECT message, details, user FROM log_entries").fetchall())
    for secret in (USER_PASSWORD, ACCOUNT_PASSWORD, KEY, base64.b64encode(f"ops@example.org:{USER_PASSWORD}".encode()).decode()):
        assert secret not in text, secret
    assert "scrypt:" not in json.dumps(replies)  # no user hashes to `mcp` holders
    assert "gAAAAA" not in json.dumps(replies)  # no Fernet tokens either

    # Holders of `all` see the account password, and only there.
    replies, stderr = session(db, "root@example.org", calls[:1])
    assert replies[1]["result"]["structuredContent"]["password"] == ACCOUNT_PASSWORD
    assert ACCOUNT_PASSWORD not in stderr
