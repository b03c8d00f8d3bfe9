"""cmdbsyncer-mcp --transport sse: Streamable HTTP (/mcp) and legacy HTTP+SSE (/sse,
/messages/) against a real server on a free loopback port, with the official client, and
every refusal of the security rules checked with raw HTTP."""
from __future__ import annotations

import base64
import contextlib
import http.client
import json
import signal
import socket
import subprocess
import time
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from mcp_harness import (
    ADMIN_USER, DEMO_PASSWORD, DISABLED_USER, MCP_BIN, MCP_USER, NOROLE_USER, OTHER_PASSWORD, clean_env, run,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def http_server(db: Path, *flags: str, host: str = "127.0.0.1", env: dict[str, str] | None = None):
    """Starts the HTTP service, waits until it accepts connections, stops it afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [str(MCP_BIN), "--db", str(db), "--transport", "sse", "--host", host, "--port", str(port), *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or clean_env(db.parent))
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("server did not start listening")
            time.sleep(0.02)
    try:
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for stream in (proc.stdout, proc.stderr):
            stream.close()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
            source: str | None = None, connect_to: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(connect_to, port, timeout=10,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}).encode()
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def post_mcp(port: int, user: str = MCP_USER, password: str = DEMO_PASSWORD, body: bytes = INIT, **kw):
    headers = dict(JSON_HEADERS)
    if user is not None:
        headers["Authorization"] = basic(user, password)
    headers.update(kw.pop("headers", {}))
    return request(port, "POST", "/mcp", body, headers, **kw)


# --- The official client over both transports -------------------------------------------

async def exercise(session: ClientSession) -> None:
    init = await session.initialize()
    assert init.server_info.name == "cmdbsyncer-mcp"
    tools = await session.list_tools()
    assert "list_hosts" in {t.name for t in tools.tools}
    page = await session.call_tool("list_hosts", {"limit": 5})
    assert not page.is_error
    assert page.structured_content["size"] == 50
    assert len(page.structured_content["results"]) == 5
    saved = await session.call_tool("upsert_host", {"hostname": "http-host", "account": "csvimport", "labels": {"via": "http"}})
    assert saved.structured_content == {"status": "saved", "hostname": "http-host"}
    missing = await session.call_tool("get_host", {"hostname": "does-not-exist"})
    assert missing.is_error


def test_streamable_http_with_the_official_client(fresh_db):
    with http_server(fresh_db) as (port, _):
        async def body():
            auth = httpx2.BasicAuth(MCP_USER, DEMO_PASSWORD)
            async with httpx2.AsyncClient(auth=auth, timeout=30) as client:
                async with streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=client) as streams:
                    async with ClientSession(streams[0], streams[1]) as session:
                        await exercise(session)
        run(body)
    logs = subprocess.run([str(MCP_BIN.parent / "syncer-tui"), "--db", str(fresh_db), "hosts", "show", "http-host", "--json"],
                          capture_output=True, text=True, env=clean_env(fresh_db.parent))
    assert json.loads(logs.stdout)["labels"] == {"via": "http"}


def test_legacy_sse_with_the_official_client(fresh_db):
    with http_server(fresh_db) as (port, _):
        async def body():
            async with sse_client(f"http://127.0.0.1:{port}/sse", auth=httpx2.BasicAuth(MCP_USER, DEMO_PASSWORD)) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await exercise(session)
        run(body)


def test_sse_session_is_bound_to_its_user(demo_db):
    with http_server(demo_db) as (port, _):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/sse", headers={"Authorization": basic(MCP_USER, DEMO_PASSWORD)})
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.getheader("Content-Type").startswith("text/event-stream")
        first = resp.readline().decode() + resp.readline().decode()
        assert first.startswith("event: endpoint\ndata: /messages/?session_id=")
        assert resp.readline() == b"\n"  # end of the event
        path = first.split("data: ", 1)[1].strip()
        # Another user cannot post into this session; an unknown session is 404.
        status, _, _ = request(port, "POST", path, INIT, {**JSON_HEADERS, "Authorization": basic(ADMIN_USER, DEMO_PASSWORD)})
        assert status == 404
        status, _, _ = request(port, "POST", "/messages/?session_id=nope", INIT,
                               {**JSON_HEADERS, "Authorization": basic(MCP_USER, DEMO_PASSWORD)})
        assert status == 404
        status, _, _ = request(port, "POST", path, INIT, {**JSON_HEADERS, "Authorization": basic(MCP_USER, DEMO_PASSWORD)})
        assert status == 202
        # The reply arrives on the stream.
        lines = [resp.readline().decode() for _ in range(2)]
        assert lines[0] == "event: message\n"
        assert json.loads(lines[1][len("data: "):])["result"]["serverInfo"]["name"] == "cmdbsyncer-mcp"
        conn.close()


# --- Refusals ------------------------------------------------------------------------------

def test_every_request_needs_valid_credentials_and_the_role(demo_db):
    with http_server(demo_db) as (port, _):
        for user, password in [(None, None), (MCP_USER, "wrong"), (NOROLE_USER, OTHER_PASSWORD),
                               (DISABLED_USER, OTHER_PASSWORD), ("ghost@example.org", "x")]:
            status, headers, body = post_mcp(port, user, password)
            assert status == 401, (user, status, body)
            assert headers["www-authenticate"] == 'Basic realm="cmdbsyncer"'
            assert b"mcp" not in body or user is not None or b"password" not in body
        for path, method in [("/sse", "GET"), ("/messages/?session_id=x", "POST")]:
            status, headers, _ = request(port, method, path, b"{}" if method == "POST" else None)
            assert status == 401 and headers["www-authenticate"] == 'Basic realm="cmdbsyncer"'
        status, _, body = post_mcp(port, headers={"Authorization": "Basic !!!notbase64"}, user=None)
        assert status == 401
        status, _, body = post_mcp(port)
        assert status == 200 and json.loads(body)["result"]["protocolVersion"] == "2025-06-18"


def test_protocol_rules_of_streamable_http(demo_db):
    with http_server(demo_db, "--max-body-bytes", "4096") as (port, _):
        status, _, _ = post_mcp(port, headers={"MCP-Protocol-Version": "1999-01-01"})
        assert status == 400
        note = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode()
        status, _, body = post_mcp(port, body=note)
        assert status == 202 and body == b""
        status, _, body = post_mcp(port, body=b"{not json")
        assert status == 400 and json.loads(body)["error"]["code"] == -32700
        status, _, body = post_mcp(port, body=b"x" * 5000)
        assert status == 413
        for method in ("GET", "DELETE"):
            status, headers, _ = request(port, method, "/mcp", headers={"Authorization": basic(MCP_USER, DEMO_PASSWORD)})
            assert status == 405


def test_origin_and_host_checks(demo_db):
    with http_server(demo_db, "--allowed-origins", "https://console.example.org") as (port, _):
        status, _, _ = post_mcp(port, headers={"Origin": "https://evil.example.com"})
        assert status == 403
        status, _, _ = post_mcp(port, headers={"Origin": "https://console.example.org"})
        assert status == 200
        status, _, _ = post_mcp(port, headers={"Origin": f"http://127.0.0.1:{port}"})
        assert status == 200
        # Exactly the server's own origin: the name the client addressed, the port, the scheme.
        status, _, _ = post_mcp(port, headers={"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"})
        assert status == 200
        for other in (f"http://localhost:{port}", "http://localhost:3000", f"https://127.0.0.1:{port}"):
            status, _, _ = post_mcp(port, headers={"Origin": other})
            assert status == 403, other
        # DNS rebinding: the browser sends the attacker's name as Host.
        status, _, _ = post_mcp(port, headers={"Host": f"evil.example.com:{port}"})
        assert status == 403
        status, _, _ = post_mcp(port, headers={"Host": f"localhost:{port}"})
        assert status == 200


def test_remote_peers_need_https(demo_db):
    # Bound to all addresses, reached from 127.0.0.2: counts as remote.
    with http_server(demo_db, host="0.0.0.0") as (port, _):
        assert post_mcp(port, source="127.0.0.2")[0] == 401
        assert post_mcp(port, source="127.0.0.2", headers={"X-Forwarded-Proto": "https"})[0] == 401  # no trusted proxy
        assert post_mcp(port)[0] == 200  # 127.0.0.1 itself is exempt
    with http_server(demo_db, "--allow-insecure-api-auth", host="0.0.0.0") as (port, _):
        assert post_mcp(port, source="127.0.0.2")[0] == 200
    with http_server(demo_db, "--trusted-proxies", "1", host="0.0.0.0") as (port, _):
        assert post_mcp(port, source="127.0.0.2", headers={"X-Forwarded-Proto": "https"})[0] == 200
        assert post_mcp(port, source="127.0.0.2", headers={"X-Forwarded-Proto": "http"})[0] == 401
        assert post_mcp(port, source="127.0.0.2")[0] == 401
        # Only the value the trusted proxy appended counts, not one the client forged before it.
        assert post_mcp(port, source="127.0.0.2", headers={"X-Forwarded-Proto": "https, http"})[0] == 401
    env = clean_env(demo_db.parent, CMDBSYNCER_ALLOW_INSECURE_API_AUTH="1")
    with http_server(demo_db, host="0.0.0.0", env=env) as (port, _):
        assert post_mcp(port, source="127.0.0.2")[0] == 200


def test_repeated_failures_are_throttled(demo_db):
    with http_server(demo_db) as (port, _):
        statuses = [post_mcp(port, MCP_USER, f"wrong-{i}")[0] for i in range(25)]
        assert statuses[0] == 401
        assert 429 in statuses
        status, headers, _ = post_mcp(port, MCP_USER, "wrong")
        assert status == 429 and int(headers["retry-after"]) > 0


def test_sigterm_stops_the_service_with_an_open_stream(demo_db):
    with http_server(demo_db) as (port, proc):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/sse", headers={"Authorization": basic(MCP_USER, DEMO_PASSWORD)})
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.readline() == b"event: endpoint\n"
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
        conn.close()
