"""Trust boundaries of authentication, against the real binaries and real SQLite files:
the failed-login throttle cannot lock other logins out, every refused login reads the same
and takes the same time, SSE sessions are capped per user, Origin and Content-Type guard
against browser pages, personal API tokens (CMDBsyncer 4.3+) work over HTTP and stdio, and
revocation (disabled user, revoked role or token, new read-only flag) applies at the next
request of a running stdio session. Start-up refuses loose booleans and warns about
--password in argv.

Throttle, as decided: failures count per (login, peer) and per (token prefix, peer). Past
20 a minute, that login from that peer gets 429, except a credential known good without
new expensive work: a password that verified within the credential lifetime (5 min), or a
valid token. So a client already using the attacked login keeps working, other logins from
the same peer are untouched, and a fresh login of the attacked name from the attacker's
own peer waits until the minute has passed.
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from mcp_harness import (  # noqa: E402
    ADMIN_USER, DEMO_PASSWORD, MCP_BIN, MCP_USER, OTHER_PASSWORD, clean_env, run, tui,
)
from test_mcp_http import basic, http_server, request  # noqa: E402

REFUSAL = b"unauthorized: authentication failed: invalid credentials, or the user has no 'mcp' or 'all' API role\n"
INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}).encode()
JSON = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
HOST = "web-fra-00000.example.org"


def add_user(db: Path, email: str, *args: str) -> None:
    tui(db, "user", "add", email, *args, "--password-stdin", stdin=OTHER_PASSWORD + "\n")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("trust") / "syncer.sqlite"
    tui(path, "demo", "--hosts", "20")
    add_user(path, "norole@example.org")
    add_user(path, "off@example.org", "--api-role", "mcp")
    tui(path, "user", "disable", "off@example.org")
    add_user(path, "victim@example.org", "--api-role", "mcp")
    add_user(path, "fresh@example.org", "--api-role", "mcp")
    return path


def new_token(db: Path, email: str, *args: str) -> dict:
    return json.loads(tui(db, "user", "token", "add", email, "--json", *args))


def post(port: int, headers: dict[str, str], body: bytes = INIT, path: str = "/mcp"):
    return request(port, "POST", path, body, {**JSON, **headers})


# --- throttle -------------------------------------------------------------------------------

def test_failed_logins_lock_out_nobody_else(db):
    with http_server(db) as (port, _):
        # The victim's client is already working (its password verified recently).
        assert post(port, {"Authorization": basic("victim@example.org", OTHER_PASSWORD)})[0] == 200
        statuses = [post(port, {"Authorization": basic("victim@example.org", f"guess-{i}")})[0] for i in range(21)]
        assert statuses[:20] == [401] * 20 and statuses[20] == 429, statuses
        # Another user from the same peer (127.0.0.1) is served.
        assert post(port, {"Authorization": basic(MCP_USER, DEMO_PASSWORD)})[0] == 200
        # The attacked login with its right password still works for the client that had it.
        assert post(port, {"Authorization": basic("victim@example.org", OTHER_PASSWORD)})[0] == 200
        # Guesses keep getting 429, without a password check.
        status, headers, _ = post(port, {"Authorization": basic("victim@example.org", "guess-x")})
        assert status == 429 and 0 < int(headers["retry-after"]) <= 60
        # A login never verified before, attacked from this very peer, waits out the minute.
        for i in range(20):
            post(port, {"Authorization": basic("fresh@example.org", f"guess-{i}")})
        status, headers, _ = post(port, {"Authorization": basic("fresh@example.org", OTHER_PASSWORD)})
        assert status == 429 and 0 < int(headers["retry-after"]) <= 60
        # Failing tokens are counted per token prefix: a bad token does not block good ones.
        for i in range(21):
            post(port, {"Authorization": f"Bearer cmdb_pat_zzzzzz{i:040d}"})
        good = new_token(db, MCP_USER)["token"]
        assert post(port, {"Authorization": f"Bearer {good}"})[0] == 200


# --- one refusal, equal timing ----------------------------------------------------------------

def test_every_refused_login_reads_the_same(db):
    with http_server(db) as (port, _):
        for user, password in [("ghost@example.org", "whatever"), ("off@example.org", OTHER_PASSWORD),
                               (MCP_USER, "wrong-password"), ("norole@example.org", OTHER_PASSWORD)]:
            status, headers, body = post(port, {"Authorization": basic(user, password)})
            assert (status, body) == (401, REFUSAL), (user, status, body)
            assert headers["www-authenticate"] == 'Basic realm="cmdbsyncer"'
        for headers in [{}, {"Authorization": "Basic !!!"}, {"Authorization": "Bearer nope"},
                        {"Authorization": "Bearer cmdb_pat_unknown"}, {"x-login-token": "cmdb_pat_unknown"}]:
            status, got, body = post(port, headers)
            assert (status, body) == (401, REFUSAL), (headers, status, body)
            assert got["www-authenticate"] == 'Basic realm="cmdbsyncer"'
    # stdio says the same, on one stderr line.
    for user, password in [("ghost@example.org", "x"), ("off@example.org", OTHER_PASSWORD),
                           ("norole@example.org", OTHER_PASSWORD), (MCP_USER, "wrong")]:
        env = clean_env(db.parent, CMDBSYNCER_API_USER=user, CMDBSYNCER_API_PASSWORD=password)
        out = subprocess.run([str(MCP_BIN), "--db", str(db)], input=b"{}\n", capture_output=True, env=env, timeout=60)
        assert out.returncode == 1 and out.stdout == b""
        assert out.stderr.decode() == "cmdbsyncer-mcp: " + REFUSAL.decode()[len("unauthorized: "):]


def test_unknown_logins_take_as_long_as_known_ones(db):
    with http_server(db) as (port, _):
        def timed(user: str) -> float:
            start = time.perf_counter()
            status = post(port, {"Authorization": basic(user, "wrong-password")})[0]
            assert status == 401
            return time.perf_counter() - start
        known = [timed(ADMIN_USER) for _ in range(5)]
        unknown = [timed(f"ghost-{i}@example.org") for i in range(5)]
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"median refusal: known {statistics.median(known) * 1000:.1f} ms, unknown {statistics.median(unknown) * 1000:.1f} ms")
    assert 1 / 3 < ratio < 3, (known, unknown)


# --- SSE per user, Origin, Content-Type -----------------------------------------------------

def open_sse(port: int, user: str, password: str) -> tuple[socket.socket, int, str | None]:
    """Opens a legacy SSE stream on a raw socket; returns it, the status and the message path."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"GET /sse HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {basic(user, password)}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    sock.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1") else 0
    path = None
    if status == 200:
        while b"session_id=" not in head or b"\n" not in head.split(b"session_id=")[1]:
            head += sock.recv(4096)
        path = "/messages/?session_id=" + head.split(b"session_id=")[1].split(b"\n")[0].decode().strip()
    return sock, status, path


def close_sse(sock: socket.socket) -> None:
    sock.close()


def test_sse_sessions_are_capped_per_user(db):
    with http_server(db, "--max-sse-sessions-per-user", "2") as (port, _):
        opened = [open_sse(port, MCP_USER, DEMO_PASSWORD) for _ in range(3)]
        assert [status for _, status, _ in opened] == [200, 200, 503]
        # Another user still opens sessions while the first is at its cap.
        other = open_sse(port, ADMIN_USER, DEMO_PASSWORD)
        assert other[1] == 200
        close_sse(opened[0][0])
        # A closed session frees its slot for the same user.
        deadline = time.monotonic() + 20  # a hang-up is noticed at once, or at the next keep-alive (15 s)
        while True:
            again = open_sse(port, MCP_USER, DEMO_PASSWORD)
            opened.append(again)
            if again[1] == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert again[1] == 200
        for conn, _, _ in opened + [other]:
            close_sse(conn)
    env = clean_env(db.parent, CMDBSYNCER_MCP_MAX_SSE_SESSIONS_PER_USER="1")
    with http_server(db, env=env) as (port, _):
        first = open_sse(port, MCP_USER, DEMO_PASSWORD)
        assert first[1] == 200 and open_sse(port, MCP_USER, DEMO_PASSWORD)[1] == 503
        close_sse(first[0])


def host_exists(db: Path) -> bool:
    out = subprocess.run([str(MCP_BIN.parent / "syncer-tui"), "--db", str(db), "hosts", "show", HOST],
                         capture_output=True, env=clean_env(db.parent))
    return out.returncode == 0


def test_browser_pages_cannot_drive_the_server(db):
    delete = json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                         "params": {"name": "delete_host", "arguments": {"hostname": HOST}}}).encode()
    auth = {"Authorization": basic(MCP_USER, DEMO_PASSWORD)}
    with http_server(db) as (port, _):
        # A dev server on another loopback port is another site.
        status, _, _ = post(port, {**auth, "Origin": "http://localhost:3000"}, delete)
        assert status == 403
        # A "simple" cross-site POST (no preflight) is not JSON: 415, and nothing ran.
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"):
            status, _, body = request(port, "POST", "/mcp", delete, {**auth, "Content-Type": content_type})
            assert status == 415, (content_type, status, body)
        status, _, _ = request(port, "POST", "/mcp", delete, auth)  # no Content-Type at all
        assert status == 415
        assert host_exists(db)
        # application/json with parameters is fine; our own origin is fine.
        status, _, _ = post(port, {**auth, "Origin": f"http://127.0.0.1:{port}",
                                   "Content-Type": "application/json; charset=utf-8"})
        assert status == 200
        # The legacy transport's POST is guarded the same way.
        conn, status, path = open_sse(port, MCP_USER, DEMO_PASSWORD)
        assert status == 200 and path.startswith("/messages/?session_id=")
        status, _, _ = request(port, "POST", path, delete, {**auth, "Content-Type": "text/plain"})
        assert status == 415
        close_sse(conn)
        assert host_exists(db)


# --- API tokens -------------------------------------------------------------------------------

def cmdbsyncer_token_entry(expires_at_ms: int | None = None) -> tuple[str, dict]:
    """A token minted by CMDBsyncer 4.4's recipe (application/models/user.py,
    User.create_api_token), stored as its export stores it."""
    plaintext = f"cmdb_pat_{secrets.token_urlsafe(32)}"
    entry = {
        "token_id": uuid.uuid4().hex, "token_hash": hashlib.sha256(plaintext.encode("utf-8")).hexdigest(),
        "label": "from CMDBsyncer", "prefix": plaintext[:len("cmdb_pat_") + 6],
        "created_at": {"$date": int(time.time() * 1000)}, "last_used_at": None,
        "expires_at": {"$date": expires_at_ms} if expires_at_ms is not None else None,
    }
    return plaintext, entry


@pytest.fixture(scope="module")
def imported_tokens(db) -> dict[str, str]:
    """A CMDBsyncer export of a user holding a live and an expired token, imported here."""
    from werkzeug.security import generate_password_hash
    live, live_entry = cmdbsyncer_token_entry()
    expired, expired_entry = cmdbsyncer_token_entry(int((time.time() - 3600) * 1000))
    user = {
        "_id": {"$oid": secrets.token_hex(12)}, "email": "interop@example.org", "name": "interop",
        "pwdhash": generate_password_hash("interop-password"), "global_admin": False, "roles": [],
        "api_roles": ["mcp"], "restrict_to_accounts": [], "restrict_to_templates": [],
        "api_tokens": [live_entry, expired_entry], "theme": "default", "disabled": False, "readonly": False,
    }
    bundle = db.parent / "cmdbsyncer-users.json"
    bundle.write_text(json.dumps({"exported_at": "2026-12-01T00:00:00", "rules": {"users": [user]}}))
    tui(db, "rules", "import", str(bundle))
    return {"live": live, "expired": expired, "live_id": live_entry["token_id"]}


async def use_token_with_the_official_client(port: int, headers: dict[str, str]) -> list[str]:
    async with httpx2.AsyncClient(headers=headers, timeout=30) as client:
        async with streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                page = await session.call_tool("list_hosts", {"limit": 2})
                assert not page.is_error
                return [t.name for t in (await session.list_tools()).tools]


def test_tokens_over_http_with_the_official_client(db, imported_tokens):
    ours = new_token(db, MCP_USER, "--label", "http")["token"]
    theirs = imported_tokens["live"]
    with http_server(db) as (port, _):
        for token in (ours, theirs):
            for headers in ({"Authorization": f"Bearer {token}"}, {"Authorization": token}, {"x-login-token": token}):
                names = run(use_token_with_the_official_client, port, headers)
                assert "upsert_host" in names, headers
        # CMDBsyncer's expired token is refused like a wrong password.
        status, _, body = post(port, {"Authorization": f"Bearer {imported_tokens['expired']}"})
        assert (status, body) == (401, REFUSAL)
        # Revocation applies at the next request.
        listed = json.loads(tui(db, "user", "token", "list", MCP_USER, "--json"))
        assert all("token_hash" not in t for t in listed)
        token_id = next(t["token_id"] for t in listed if t["label"] == "http")
        assert post(port, {"Authorization": f"Bearer {ours}"})[0] == 200
        tui(db, "user", "token", "revoke", MCP_USER, token_id)
        status, _, body = post(port, {"Authorization": f"Bearer {ours}"})
        assert (status, body) == (401, REFUSAL)
    # last_used_at was stamped on CMDBsyncer's token, in its own format.
    listed = json.loads(tui(db, "user", "token", "list", "interop@example.org", "--json"))
    live = next(t for t in listed if t["token_id"] == imported_tokens["live_id"])
    assert live["last_used_at"] is not None


def test_token_cli_prints_once_and_never_a_hash(db):
    out = subprocess.run([str(MCP_BIN.parent / "syncer-tui"), "--db", str(db), "user", "token", "add", ADMIN_USER,
                          "--label", "cli", "--expires-days", "3"], capture_output=True, text=True, env=clean_env(db.parent))
    assert out.returncode == 0
    token = out.stdout.strip()
    assert token.startswith("cmdb_pat_") and len(token) == 52 and "\n" not in token
    listed = tui(db, "user", "token", "list", ADMIN_USER)
    assert token[:15] in listed and token not in listed and hashlib.sha256(token.encode()).hexdigest() not in listed
    entry = next(t for t in json.loads(tui(db, "user", "token", "list", ADMIN_USER, "--json")) if t["label"] == "cli")
    assert entry["expires_at"] is not None and set(entry) == {"token_id", "label", "prefix", "created_at", "last_used_at", "expires_at"}
    bad = subprocess.run([str(MCP_BIN.parent / "syncer-tui"), "--db", str(db), "user", "token", "revoke", ADMIN_USER, "nope"],
                         capture_output=True, text=True, env=clean_env(db.parent))
    assert bad.returncode == 1 and bad.stderr.strip() == "syncer-tui: error: API token 'nope' not found"


# --- stdio: tokens and revocation ---------------------------------------------------------------

def lines(*messages: dict) -> bytes:
    return b"".join(json.dumps(m).encode() + b"\n" for m in messages)


PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


def test_stdio_accepts_a_token(db, imported_tokens):
    token = new_token(db, MCP_USER)["token"]
    for args, env in [(["--token", token], {}), ([], {"CMDBSYNCER_API_TOKEN": token}),
                      (["--token", imported_tokens["live"]], {})]:
        out = subprocess.run([str(MCP_BIN), "--db", str(db), *args], input=lines(PING), capture_output=True,
                             env=clean_env(db.parent, **env), timeout=60)
        assert out.returncode == 0 and json.loads(out.stdout) == {"jsonrpc": "2.0", "id": 1, "result": {}}, out
    for bad in ("cmdb_pat_wrong", imported_tokens["expired"], "not-a-token"):
        out = subprocess.run([str(MCP_BIN), "--db", str(db), "--token", bad], input=lines(PING), capture_output=True,
                             env=clean_env(db.parent), timeout=60)
        assert out.returncode == 1 and out.stdout == b""
        assert out.stderr.decode().strip().splitlines() == ["cmdbsyncer-mcp: " + REFUSAL.decode()[len("unauthorized: "):].strip()]


class StdioSession:
    """A running cmdbsyncer-mcp on stdio, one request at a time."""

    def __init__(self, db: Path, *args: str):
        self.proc = subprocess.Popen([str(MCP_BIN), "--db", str(db), *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=clean_env(db.parent))
        self.next_id = 1

    def ask(self, method: str, params: dict | None = None) -> dict:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, **({"params": params} if params else {})}
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        assert reply["id"] == self.next_id
        return reply

    def tools(self) -> list[str]:
        return [t["name"] for t in self.ask("tools/list")["result"]["tools"]]

    def close(self) -> None:
        self.proc.stdin.close()
        assert self.proc.wait(timeout=10) == 0


def refused(reply: dict, why: str) -> bool:
    return reply.get("error", {}).get("code") == -32001 and why in reply["error"]["message"]


def test_stdio_session_follows_revocation(db):
    add_user(db, "rev@example.org", "--api-role", "mcp")
    s = StdioSession(db, "--user", "rev@example.org", "--password", OTHER_PASSWORD)
    assert s.ask("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "t", "version": "1"}})["result"]
    assert "upsert_host" in s.tools()
    tui(db, "user", "disable", "rev@example.org")
    assert refused(s.ask("ping"), "disabled")
    assert refused(s.ask("tools/list"), "disabled")
    tui(db, "user", "enable", "rev@example.org")
    assert s.ask("ping")["result"] == {}
    tui(db, "user", "revoke", "rev@example.org", "mcp")
    assert refused(s.ask("ping"), "no longer holds the 'mcp' or 'all' API role")
    tui(db, "user", "grant", "rev@example.org", "mcp")
    tui(db, "user", "readonly", "rev@example.org", "on")
    names = s.tools()
    assert "list_hosts" in names and not {"upsert_host", "delete_host", "create_rule"} & set(names)
    upsert = s.ask("tools/call", {"name": "upsert_host", "arguments": {"hostname": "ro-host", "account": "csvimport"}})
    assert upsert["error"]["code"] == -32602
    tui(db, "user", "readonly", "rev@example.org", "off")
    assert "upsert_host" in s.tools()
    s.close()


def test_stdio_token_session_ends_with_its_token(db):
    created = new_token(db, MCP_USER, "--label", "stdio-session")
    s = StdioSession(db, "--token", created["token"])
    assert s.ask("ping")["result"] == {}
    tui(db, "user", "token", "revoke", MCP_USER, created["token_id"])
    assert refused(s.ask("ping"), "revoked")
    assert refused(s.ask("tools/list"), "revoked")  # the process keeps answering
    s.close()


# --- start-up ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["CMDBSYNCER_MCP_READ_ONLY", "CMDBSYNCER_ALLOW_INSECURE_API_AUTH"])
def test_loose_booleans_are_a_start_up_error(db, name):
    env = clean_env(db.parent, CMDBSYNCER_API_USER=MCP_USER, CMDBSYNCER_API_PASSWORD=DEMO_PASSWORD, **{name: "enabled"})
    out = subprocess.run([str(MCP_BIN), "--db", str(db)], input=lines(PING), capture_output=True, env=env, timeout=60)
    assert out.returncode == 2 and out.stdout == b""
    assert out.stderr.decode() == f"cmdbsyncer-mcp: {name} must be one of 1/0/true/false/yes/no/on/off, got 'enabled'\n"
    env[name] = "off"
    ok = subprocess.run([str(MCP_BIN), "--db", str(db)], input=lines(PING), capture_output=True, env=env, timeout=60)
    assert ok.returncode == 0 and json.loads(ok.stdout)["result"] == {}


def test_password_in_argv_warns(db):
    flag = subprocess.run([str(MCP_BIN), "--db", str(db), "--user", MCP_USER, "--password", DEMO_PASSWORD],
                          input=lines(PING), capture_output=True, env=clean_env(db.parent), timeout=60)
    assert flag.returncode == 0 and json.loads(flag.stdout)["result"] == {}
    warning = [l for l in flag.stderr.decode().splitlines() if "--password" in l]
    assert len(warning) == 1 and "ps" in warning[0] and "CMDBSYNCER_API_PASSWORD" in warning[0] and "token" in warning[0]
    assert DEMO_PASSWORD not in flag.stderr.decode()
    env = clean_env(db.parent, CMDBSYNCER_API_USER=MCP_USER, CMDBSYNCER_API_PASSWORD=DEMO_PASSWORD)
    quiet = subprocess.run([str(MCP_BIN), "--db", str(db)], input=lines(PING), capture_output=True, env=env, timeout=60)
    assert quiet.returncode == 0 and "--password" not in quiet.stderr.decode()


def test_user_check_tells_the_admin_why(db):
    """MCP clients all get one refusal; the local admin tool may say which check failed."""
    def check(login: str, password: str, *args: str) -> str:
        out = subprocess.run([str(MCP_BIN.parent / "syncer-tui"), "--db", str(db), "user", "check", login, *args,
                              "--password-stdin"], input=password + "\n", capture_output=True, text=True,
                             env=clean_env(db.parent))
        assert out.returncode == 1
        return out.stderr.strip()
    assert check("ghost@example.org", "x").endswith("(no user has the login 'ghost@example.org')")
    assert check("off@example.org", OTHER_PASSWORD).endswith("(the user is disabled)")
    assert check("norole@example.org", OTHER_PASSWORD, "--role", "mcp").endswith("(the user holds none of the API roles asked for)")
    assert check(MCP_USER, "wrong-password").endswith("(wrong password)")
