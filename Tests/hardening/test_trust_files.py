"""Trust boundaries, Files and Output (DESIGN.md): the database, its journals and its folder
are private whatever the umask; the key file is created exclusively under a random name and an
untrusted one is refused; control characters from data never reach a terminal or a log line
raw. Real binaries, real files, real permissions."""
from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import pwd
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from mcp_harness import DEMO_PASSWORD, MCP_BIN, MCP_USER, TUI_BIN, clean_env  # noqa: E402

ESC, CSI, BEL, RLO = "\x1b", "\x9b", "\x07", "\u202e"
NASTY = f"{ESC}[31mred{BEL}{CSI}2J{RLO}txt"
SHOWN = r"\x1b[31mred\x07\u{9b}2J\u{202e}txt"
RAW_CONTROLS = (ESC, CSI, BEL, RLO)


def run_tui(db: Path, *args: str, stdin: str | None = None, umask: int | None = None, env: dict | None = None):
    return subprocess.run([str(TUI_BIN), "--db", str(db), *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env=env or clean_env(db.parent),
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def ok(db: Path, *args: str, **kw) -> str:
    proc = run_tui(db, *args, **kw)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# --- Files ---------------------------------------------------------------------------------

@contextlib.contextmanager
def mcp_http(db: Path, umask: int | None = None):
    """cmdbsyncer-mcp --transport sse on a free loopback port, until it accepts connections;
    yields (port, process) and stops it afterwards (stderr stays readable)."""
    port = free_port()
    proc = subprocess.Popen([str(MCP_BIN), "--db", str(db), "--transport", "sse", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=clean_env(db.parent),
                            preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start listening"
                time.sleep(0.02)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_new_database_journals_and_folders_are_private_under_umask_000(tmp_path):
    db = tmp_path / "new" / "deeper" / "syncer.sqlite"
    ok(db, "demo", "--hosts", "3", umask=0o000)
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700 and mode(db.parent.parent) == 0o700
    assert mode(Path(str(db) + ".key")) == 0o600
    # A running server holds the WAL and shared-memory files open while we look at them.
    with mcp_http(db, umask=0o000):
        for suffix in ("-wal", "-shm"):
            path = Path(str(db) + suffix)
            assert path.exists(), path
            assert mode(path) == 0o600, (path, oct(mode(path)))


def test_existing_folder_is_left_as_it_is(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    ok(shared / "syncer.sqlite", "rules", "types", umask=0o000)
    assert mode(shared) == 0o755
    assert mode(shared / "syncer.sqlite") == 0o600


def test_existing_readable_database_warns_and_keeps_working(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "demo", "--hosts", "3")
    db.chmod(0o644)
    proc = run_tui(db, "hosts", "list")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("HOSTNAME") and len(proc.stdout.splitlines()) > 1
    warning = [l for l in proc.stderr.splitlines() if "other users" in l]
    assert len(warning) == 1, proc.stderr
    assert "mode 644" in warning[0] and f"chmod 600 {db}" in warning[0]
    db.chmod(0o600)
    assert "other users" not in run_tui(db, "hosts", "list").stderr


def key_needing_command(db: Path):
    """Demo data encrypts account passwords: it needs the key file."""
    return run_tui(db, "demo", "--hosts", "1")


def test_dangling_symlink_at_the_key_is_refused_and_nothing_written_through_it(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "rules", "types")  # creates the database, not the key
    target = tmp_path / "attacker-chosen"
    os.symlink(target, str(db) + ".key")
    proc = key_needing_command(db)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "symbolic link" in lines[0] and f"{db}.key" in lines[0], proc.stderr
    assert not target.exists()
    assert os.path.islink(str(db) + ".key")


def test_symlink_to_a_file_at_the_key_is_refused_and_its_target_untouched(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "rules", "types")
    target = tmp_path / "victim"
    target.write_text("not a key, and not to be read as one\n")
    target.chmod(0o600)
    os.symlink(target, str(db) + ".key")
    proc = key_needing_command(db)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "symbolic link" in lines[0] and f"{db}.key" in lines[0], proc.stderr
    assert target.read_text() == "not a key, and not to be read as one\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_key_file_owned_by_another_user_is_refused(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "demo", "--hosts", "1")
    key = Path(str(db) + ".key")
    nobody = pwd.getpwnam("nobody")
    os.chown(key, nobody.pw_uid, nobody.pw_gid)
    proc = run_tui(db, "accounts", "show", "checkmk_prod", "--show-password")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{key}" in lines[0] and f"uid {nobody.pw_uid}" in lines[0], proc.stderr


def test_key_file_that_others_can_read_is_refused(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "demo", "--hosts", "1")
    key = Path(str(db) + ".key")
    key.chmod(0o644)
    proc = run_tui(db, "accounts", "show", "checkmk_prod", "--show-password")
    assert proc.returncode == 1 and f"chmod 600 {key}" in proc.stderr, proc.stderr


def test_key_temp_file_name_is_not_predictable(tmp_path):
    """Symlinks planted at every name a pid-based scheme could use point at a victim file."""
    db = tmp_path / "syncer.sqlite"
    ok(db, "rules", "types")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    victim.chmod(0o600)
    planted = []
    # The next pids the kernel hands out follow the last one; cover a generous window.
    probe = subprocess.Popen(["true"])
    probe.wait()
    for pid in range(probe.pid + 1, probe.pid + 3000):
        for name in (f"{db}.key.{pid}.tmp", f"{db}.{pid}.tmp", f"{db}.key.tmp"):
            with contextlib.suppress(FileExistsError):
                os.symlink(victim, name)
                planted.append(name)
    proc = key_needing_command(db)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious\n"
    key = Path(str(db) + ".key")
    assert not key.is_symlink() and mode(key) == 0o600 and len(key.read_text().strip()) == 44
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith("syncer.sqlite.key.") and str(p) not in planted]
    assert leftovers == []  # the random temp file is gone after linking


def test_concurrent_first_use_agrees_on_one_key(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "rules", "types")
    procs = []
    for i in range(6):
        b = tmp_path / f"acc{i}.json"
        b.write_text(json.dumps({"rules": {"accounts": [{"name": f"a{i}", "typ": "csv", "password": f"pw{i}"}]}}))
        procs.append(subprocess.Popen([str(TUI_BIN), "--db", str(db), "rules", "import", str(b)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(tmp_path)))
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    for i in range(6):
        shown = ok(db, "accounts", "show", f"a{i}", "--show-password", "--json")
        assert json.loads(shown)["password"] == f"pw{i}"


# --- Output: admin commands -----------------------------------------------------------------

@pytest.fixture
def nasty_db(tmp_path) -> Path:
    db = tmp_path / "syncer.sqlite"
    ok(db, "demo", "--hosts", "3")
    bundle = tmp_path / "nasty.json"
    bundle.write_text(json.dumps({"rules": {
        "accounts": [{"name": f"acct{NASTY}", "typ": "csv", "enabled": True, "note": NASTY}],
        "host_objects": [{"hostname": "nasty.example.org", "labels": {"note": NASTY, f"k{ESC}": "v"},
                          "inventory": {"inv": NASTY}, "is_object": False, "source_account_name": "csvimport"}],
        "cron_groups": [{"name": f"grp{NASTY}", "interval": "daily", "timerange_from": "0", "timerange_to": "24",
                         "enabled": True, "jobs": [{"name": f"job{NASTY}", "command": "run_autorules"}]}],
    }}))
    ok(db, "rules", "import", str(bundle))
    return db


def assert_escaped(text: str, shown: str = SHOWN) -> None:
    assert shown in text, text
    for c in RAW_CONTROLS:
        assert c not in text, (repr(c), text)


def test_hosts_list_and_show_escape_labels(nasty_db):
    assert_escaped(ok(nasty_db, "hosts", "list"))
    out = ok(nasty_db, "hosts", "show", "nasty.example.org")
    assert_escaped(out)
    assert r"k\x1b = v" in out
    # --json stays valid JSON and gives back the same data.
    host = json.loads(ok(nasty_db, "hosts", "show", "nasty.example.org", "--json"))
    assert host["labels"]["note"] == NASTY


def test_accounts_list_and_show_escape_names_and_fields(nasty_db):
    assert_escaped(ok(nasty_db, "accounts", "list"), "acct" + SHOWN)
    assert_escaped(ok(nasty_db, "accounts", "show", f"acct{NASTY}"))
    raw = run_tui(nasty_db, "accounts", "list", "--json").stdout
    assert CSI not in raw and RLO not in raw and ESC not in raw  # JSON for a terminal: \u escapes
    assert any(a["name"] == f"acct{NASTY}" for a in json.loads(raw))


def test_cron_status_and_run_escape_group_and_job_names(nasty_db):
    assert_escaped(ok(nasty_db, "cron", "status"), "grp" + SHOWN)
    out = ok(nasty_db, "cron", "run", "--group", f"grp{NASTY}")
    assert_escaped(out, "grp" + SHOWN)
    assert "job" + SHOWN in out
    assert len([l for l in out.splitlines() if l.startswith("grp")]) == 1


def test_rules_import_preview_escapes_rule_types(tmp_path, nasty_db):
    bundle = tmp_path / "preview.json"
    bundle.write_text(json.dumps({"rules": {f"type{NASTY}": [{"name": "x"}],
                                            "cron_groups": [{"name": f"grp{NASTY}", "interval": "daily", "jobs": []}]}}))
    out = ok(nasty_db, "rules", "import", str(bundle), "--preview")
    assert_escaped(out, "type" + SHOWN)
    assert "Preview only" in out


def test_error_lines_echo_data_escaped(nasty_db):
    proc = run_tui(nasty_db, "hosts", "show", f"missing{NASTY}\n[info] forged")
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1
    assert_escaped(proc.stderr, "missing" + SHOWN + r"\n[info] forged")


def test_user_list_escapes_names(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "user", "add", "odd@example.org", "--name", f"n{NASTY}", "--password-stdin", stdin="pw-123456789\n")
    assert_escaped(ok(db, "user", "list"), "n" + SHOWN)


# --- Output: hostnames refuse controls ------------------------------------------------------

@pytest.mark.parametrize("bad", [f"h{ESC}x", f"h{CSI}x", f"h{RLO}x", "h\u2066x", "h\u200fx", "h\u0085x", "h\nx"])
def test_hostnames_with_controls_are_refused_on_import(tmp_path, bad):
    db = tmp_path / "syncer.sqlite"
    ok(db, "demo", "--hosts", "1")
    bundle = tmp_path / "h.json"
    bundle.write_text(json.dumps({"rules": {"host_objects": [{"hostname": bad, "labels": {}}]}}))
    proc = run_tui(db, "rules", "import", str(bundle))
    assert proc.returncode == 1
    assert "control characters" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for c in RAW_CONTROLS + ("\u2066", "\u200f", "\u0085"):
        assert c not in proc.stderr


def test_hostnames_with_controls_are_refused_by_upsert_host(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "demo", "--hosts", "1")
    bad = [f"h{ESC}x", f"h{CSI}x", f"h{RLO}x", "h\u2069x", "h\u061cx"]
    lines = [{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}]
    lines += [{"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {
        "name": "upsert_host", "arguments": {"hostname": h, "account": "csvimport", "labels": {}}}} for i, h in enumerate(bad)]
    proc = subprocess.run([str(MCP_BIN), "--db", str(db)], input="".join(json.dumps(m) + "\n" for m in lines).encode(),
                          capture_output=True, timeout=60,
                          env=clean_env(tmp_path, CMDBSYNCER_API_USER=MCP_USER, CMDBSYNCER_API_PASSWORD=DEMO_PASSWORD))
    assert proc.returncode == 0, proc.stderr
    # stdio answers concurrent requests in the order they finish: match replies by id.
    replies = sorted((json.loads(l) for l in proc.stdout.decode().splitlines()), key=lambda r: r["id"])
    assert [r["id"] for r in replies] == list(range(len(bad) + 1))
    for reply in replies[1:]:
        assert reply["result"]["isError"] is True, reply
        assert "control characters" in reply["result"]["content"][0]["text"]
    hosts = json.loads(ok(db, "hosts", "list", "--json"))
    assert not any(h["hostname"].startswith("h") and len(h["hostname"]) == 3 for h in hosts)


# --- Output: the HTTP server's log -----------------------------------------------------------

def test_http_log_line_for_a_refused_login_escapes_the_name(tmp_path):
    db = tmp_path / "syncer.sqlite"
    ok(db, "demo", "--hosts", "1")
    login = f"x\n[info] accepted login admin{ESC}[2J{RLO}"
    with mcp_http(db) as (port, proc):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/mcp", body=b"{}", headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
            "Authorization": "Basic " + base64.b64encode(f"{login}:wrong".encode()).decode()})
        assert conn.getresponse().status == 401
        conn.close()
        proc.terminate()
        text = proc.stderr.read().decode()
    refused = [l for l in text.splitlines() if "refused login" in l]
    assert len(refused) == 1, text
    assert r"x\n[info] accepted login admin\x1b[2J\u{202e}" in refused[0]
    assert not any(l.startswith("[info] accepted login") for l in text.splitlines()), text
    assert ESC not in text and RLO not in text


# --- Output: the console ---------------------------------------------------------------------

@pytest.mark.skipif(subprocess.run(["which", "tmux"], capture_output=True).returncode != 0, reason="tmux is not installed")
def test_console_shows_a_label_escaped(tmp_path, nasty_db):
    from test_tui_tmux import Pane
    pane = Pane(tmp_path, nasty_db)
    try:
        pane.wait_text("of 4 users")
        pane.keys("2", "/")
        pane.type("nasty")
        pane.keys("Enter")
        screen = pane.wait_text("nasty.example.org", r"note=\x1b[31mred\x07\u{9b}2J\u{202e}")
        # Nothing was interpreted: the title bar and the first rows are still there.
        assert "CMDBsyncer" in screen.split("\n")[0]
        pane.keys("Enter")
        screen = pane.wait_text("Labels (2)", r"\x1b[31mred\x07\u{9b}2J\u{202e}txt")
        assert RLO not in screen and ESC not in screen
        pane.keys("q", "q")
        assert pane.exit_status() == 0
    finally:
        pane.close()
