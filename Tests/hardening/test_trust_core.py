"""The attacks of the trust review that need nothing but an `mcp` login, replayed through
the real `cmdbsyncer-mcp` (the official client on stdio, raw HTTP for the shared server)
and the real `syncer-tui cron run`, on real SQLite files. Each test failed on the code
before the trust work and passes now (DESIGN.md, "Trust boundaries")."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from mcp_harness import (  # noqa: E402
    DEMO_PASSWORD, MCP_BIN, MCP_USER, TUI_BIN, clean_env, connect, run, tui,
)
from test_mcp_http import JSON_HEADERS, basic, http_server, request  # noqa: E402

KEY = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="


def structured(result) -> dict:
    assert not result.is_error, result.content
    return result.structured_content


def refused(result) -> str:
    assert result.is_error, result.structured_content
    return result.content[0].text


def group(name: str, command: str, args: list[str]) -> dict:
    return {"name": name, "interval": "hour", "timerange_from": "0", "timerange_to": "24", "enabled": True,
            "run_once_next": True, "continue_on_error": False,
            "jobs": [{"name": "job", "command": command, "account": "", "args": args, "timeout": 10}]}


def cron_run(db: Path, *flags: str) -> dict:
    out = subprocess.run([str(TUI_BIN), "--db", str(db), "cron", "run", "--json", *flags], capture_output=True, text=True,
                         timeout=120, env=clean_env(db.parent))
    return json.loads(out.stdout)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "syncer.sqlite"
    tui(path, "demo", "--hosts", "20")
    return path


# --- Shell on the cron runner's machine ---------------------------------------------------

def test_mcp_cannot_plant_an_exec_job_and_the_runner_runs_none_from_data(db, tmp_path):
    marker = tmp_path / "pwned"
    evil = group("evil", "exec", ["/bin/sh", "-c", f"id > {marker}"])

    async def body():
        async with connect(db) as c:
            assert "all" in refused(await c.call_tool("create_rule", {"rule_type": "cron_groups", "rule": evil}))
            assert "all" in refused(await c.call_tool("import_rules_bulk", {"payload": {"rules": {"cron_groups": [evil]}}}))
            # The autorule route: a rendered cron group is never written.
            auto = {"name": "a", "rule_type": "cron_groups", "enabled": True, "object_filter": "",
                    "rule_body": json.dumps(evil).replace('"evil"', '"evil-{{ HOSTNAME }}"')}
            assert structured(await c.call_tool("create_rule", {"rule_type": "syncer_rule_automation", "rule": auto}))["status"] == "imported"
            report = structured(await c.call_tool("run_autorules", {}))
            assert any("'a'" in p and "cron_groups" in p for p in report["problems"]), report
            groups = structured(await c.call_tool("get_cron_status", {}))["groups"]
            assert not any(g["name"].startswith("evil") for g in groups)
    run(body)

    # Even a group the operator made with that job runs nothing outside the jobs folder.
    bundle = tmp_path / "g.json"
    bundle.write_text(json.dumps({"rules": {"cron_groups": [evil]}}))
    tui(db, "rules", "import", str(bundle))
    report = cron_run(db, "--group", "evil")
    assert report["ran"][0]["status"] == "failed" and "--jobs-dir" in report["ran"][0]["jobs"][0]["message"]
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "shell").symlink_to("/bin/sh")
    for argv in (["/bin/sh", "-c", f"id > {marker}"], ["../../../bin/sh", "-c", f"id > {marker}"], ["shell", "-c", f"id > {marker}"]):
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE rules SET doc = json_set(doc, '$.jobs[0].args', json(?)) WHERE rule_type = 'cron_groups' AND name = 'evil'",
                         (json.dumps(argv),))
        ran = cron_run(db, "--group", "evil", "--jobs-dir", str(jobs))["ran"][0]
        assert ran["status"] == "failed", ran
    assert not marker.exists()


def test_export_bundle_cannot_overwrite_the_key_or_any_chosen_file(db, tmp_path):
    # An account password makes the key file exist.
    bundle = tmp_path / "acc.json"
    bundle.write_text(json.dumps({"rules": {"accounts": [{"name": "vault", "typ": "csv", "password": "pw-123456"}]}}))
    tui(db, "rules", "import", str(bundle))
    key = Path(str(db) + ".key")
    before = key.read_bytes()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    targets = [key.name, str(key), str(victim), "../victim.txt", db.name, db.name + "-wal"]
    groups = [group(f"g{i}", "export_bundle", [t]) for i, t in enumerate(targets)]

    async def body():
        async with connect(db) as c:
            assert "all" in refused(await c.call_tool("import_rules_bulk", {"payload": {"rules": {"cron_groups": groups}}}))
    run(body)
    path = tmp_path / "groups.json"
    path.write_text(json.dumps({"rules": {"cron_groups": groups}}))
    tui(db, "rules", "import", str(path))
    report = cron_run(db, "--export-dir", str(tmp_path))
    assert sorted(r["group"] for r in report["ran"]) == sorted(g["name"] for g in groups)
    assert all(r["status"] == "failed" for r in report["ran"]), report
    assert key.read_bytes() == before and victim.read_text() == "keep me"
    assert subprocess.run([str(TUI_BIN), "--db", str(db), "accounts", "show", "vault", "--show-password"], capture_output=True,
                          text=True, env=clean_env(tmp_path)).stdout.count("pw-123456") == 1


# --- Secrets sent away without reading them ------------------------------------------------

def test_a_password_account_cannot_be_repointed_or_parented_by_mcp(db, tmp_path):
    env = clean_env(tmp_path, CMDBSYNCER_CRYPTOGRAPHY_KEY=KEY)
    bundle = tmp_path / "acc.json"
    bundle.write_text(json.dumps({"rules": {"accounts": [
        {"name": "cmk", "typ": "cmkv2", "address": "https://cmk.internal", "username": "automation", "password": "pw-cmk-1"}]}}))
    subprocess.run([str(TUI_BIN), "--db", str(db), "rules", "import", str(bundle)], check=True, env=env, capture_output=True)

    async def body():
        async with connect(db) as c:
            exported = structured(await c.call_tool("export_rules", {"rule_type": "accounts"}))["rules"]
            cmk = next(a for a in exported if a["name"] == "cmk")
            assert cmk["password_crypted"] is None and cmk["password_redacted"] is True
            moved = {**cmk, "address": "https://attacker.example"}
            assert "all" in refused(await c.call_tool("create_rule", {"rule_type": "accounts", "rule": moved, "override": True}))
            child = {"name": "leech", "typ": "cmkv2", "is_child": True, "parent": "cmk", "address": "https://attacker.example"}
            assert "all" in refused(await c.call_tool("create_rule", {"rule_type": "accounts", "rule": child}))
            account = structured(await c.call_tool("get_account", {"name": "cmk"}))
            assert account["address"] == "https://cmk.internal" and account["password"] is None
    run(body)
    shown = subprocess.run([str(TUI_BIN), "--db", str(db), "accounts", "show", "cmk", "--show-password"], capture_output=True,
                           text=True, env=env).stdout
    assert "https://cmk.internal" in shown and "pw-cmk-1" in shown
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM accounts WHERE name = 'leech'").fetchone()[0] == 0


def test_cmk_passwords_are_encrypted_at_rest_and_redacted_for_mcp(db, tmp_path):
    bundle = tmp_path / "pw.json"
    bundle.write_text(json.dumps({"rules": {"cmk_passwords": [
        {"name": "automation", "title": "Automation", "password": "clear-cmk-secret", "owner": "admin"}]}}))

    async def body():
        async with connect(db) as c:
            payload = json.loads(bundle.read_text())
            assert structured(await c.call_tool("import_rules_bulk", {"payload": payload}))["total"] == 1
            doc = structured(await c.call_tool("export_rules", {"rule_type": "cmk_passwords"}))["rules"][0]
            assert doc["password_crypted"] is None and doc["password_redacted"] is True and "password" not in doc
            everything = await c.call_tool("export_all_rules", {"include_passwords": True})
            assert "clear-cmk-secret" not in json.dumps(everything.structured_content)
            assert "gAAAA" not in json.dumps(everything.structured_content)
            resource = await c.read_resource("cmdbsyncer://rules/cmk_passwords")
            assert "gAAAA" not in resource.contents[0].text
    run(body)
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT doc FROM rules WHERE rule_type = 'cmk_passwords'").fetchone()[0]
    assert "clear-cmk-secret" not in stored and '"password_crypted":"gAAAA' in stored


# --- The shared server crashed for everyone ----------------------------------------------

def test_a_hostile_template_neither_crashes_the_server_nor_holds_the_write_lock(db, tmp_path):
    deep = "{% if HOSTNAME %}" * 20000 + "x" + "{% endif %}" * 20000

    async def body():
        async with connect(db) as c:
            r = structured(await c.call_tool("create_rule", {"rule_type": "syncer_rule_automation", "rule": {
                "name": "deep", "rule_type": "cmk_rules", "enabled": True, "rule_body": deep}}))
            assert r["status"] == "invalid" and "65536" in r["reason"]
    run(body)
    # Written into the file by other means (an old bundle, a plugin): every run skips it.
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO rules (rule_type, oid, name, doc) VALUES ('syncer_rule_automation', ?, 'deep', ?)",
                     ("a" * 24, json.dumps({"_id": {"$oid": "a" * 24}, "name": "deep", "rule_type": "cmk_rules",
                                            "enabled": True, "rule_body": deep})))
    with http_server(db) as (port, proc):
        call = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                           "params": {"name": "run_autorules", "arguments": {"debug": True}}}).encode()
        for _ in range(2):
            status, _, reply = request(port, "POST", "/mcp", call, {**JSON_HEADERS, "Authorization": basic(MCP_USER, DEMO_PASSWORD)})
            assert status == 200
            result = json.loads(reply)["result"]["structuredContent"]
            assert any("deep" in p for p in result["problems"])
        # The runs never held the write lock: the admin's grant goes through at once.
        started = time.monotonic()
        tui(db, "user", "grant", MCP_USER, "rules")
        assert time.monotonic() - started < 10
        assert proc.poll() is None


# --- Fields injected through host data ----------------------------------------------------

def test_a_label_cannot_add_fields_to_a_rendered_rule(db):
    injected = 'x", "enabled": true, "jobs": [{"command": "exec", "args": ["/bin/sh"]}], "z": "'

    async def body():
        async with connect(db) as c:
            assert structured(await c.call_tool("upsert_host", {
                "hostname": "inject.example.org", "account": "csvimport", "labels": {"site": injected}}))["status"] == "saved"
            auto = {"name": "folders", "rule_type": "cmk_rules", "enabled": True, "object_filter": "",
                    "rule_body": '{"name": "f-{{ HOSTNAME }}", "enabled": false, "folder": "/{{ site }}"}'}
            structured(await c.call_tool("create_rule", {"rule_type": "syncer_rule_automation", "rule": auto}))
            structured(await c.call_tool("run_autorules", {}))
            rules = structured(await c.call_tool("export_rules", {"rule_type": "cmk_rules"}))["rules"]
            made = next(r for r in rules if r.get("name") == "f-inject.example.org")
            assert made["enabled"] is False and "jobs" not in made and made["folder"] == "/" + injected
    run(body)


def test_duplicate_keys_are_a_parse_error_not_last_one_wins(db):
    line = ('{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "create_rule", "arguments": '
            '{"rule_type": "cmk_rules", "rule": {"name": "d", "enabled": false, "enabled": true}}}}\n')
    proc = subprocess.run([str(MCP_BIN), "--db", str(db), "--user", MCP_USER], input=line.encode(), capture_output=True,
                          timeout=60, env=clean_env(db.parent, CMDBSYNCER_API_PASSWORD=DEMO_PASSWORD))
    reply = json.loads(proc.stdout.decode().splitlines()[0])
    assert reply["error"]["code"] == -32700 and "duplicate key 'enabled'" in reply["error"]["message"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rules WHERE rule_type = 'cmk_rules' AND name = 'd'").fetchone()[0] == 0


# --- restrict_to_accounts -----------------------------------------------------------------

def test_a_restricted_user_sees_and_writes_only_its_accounts(db, tmp_path):
    user = {"email": "scoped@example.org", "name": "scoped", "api_roles": ["mcp"], "restrict_to_accounts": ["csvimport"]}
    bundle = tmp_path / "u.json"
    bundle.write_text(json.dumps({"rules": {"users": [user]}}))
    tui(db, "rules", "import", str(bundle))
    tui(db, "user", "passwd", user["email"], "--password-stdin", stdin="scoped-password\n")
    with sqlite3.connect(db) as conn:
        mine = {r[0] for r in conn.execute("SELECT hostname FROM hosts WHERE account_name = 'csvimport' AND is_object = 0")}
        other = conn.execute("SELECT hostname, account_name FROM hosts WHERE account_name <> 'csvimport' AND is_object = 0").fetchone()
    assert mine and other, "the demo data needs hosts of two accounts"

    async def body():
        async with connect(db, user["email"], "scoped-password") as c:
            page = structured(await c.call_tool("list_hosts", {"limit": 1000}))
            assert {h["hostname"] for h in page["results"]} == mine and page["size"] == len(mine)
            assert refused(await c.call_tool("get_host", {"hostname": other[0]}))
            assert structured(await c.call_tool("delete_host", {"hostname": other[0]}))["status"] == "not_found"
            assert refused(await c.call_tool("upsert_host", {"hostname": "x.example.org", "account": other[1], "labels": {}}))
            accounts = structured(await c.call_tool("list_accounts", {}))["accounts"]
            assert [a["name"] for a in accounts] == ["csvimport"]
            assert structured(await c.call_tool("host_stats", {}))["num_hosts"] == len(mine)
            done = await c.complete({"type": "ref/resource", "uri": "cmdbsyncer://hosts/{hostname}"}, {"name": "hostname", "value": ""})
            assert set(done.completion.values) <= mine
    run(body)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM hosts WHERE hostname = ?", (other[0],)).fetchone()[0] == 1
