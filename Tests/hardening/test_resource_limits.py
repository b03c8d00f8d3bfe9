"""Resource limits: slow-loris clients, a flood of idle connections, thousands of idle SSE
sessions and clients that never read their replies (HTTP and stdio) do not exhaust the
server's memory or file descriptors, and honest clients are served afterwards. Every limit
is set by a flag here, small, so the tests stay fast."""
from __future__ import annotations

import base64
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from mcp_harness import DEMO_PASSWORD, MCP_BIN, MCP_USER, clean_env, tui  # noqa: E402
from test_mcp_http import http_server  # noqa: E402

AUTH = "Basic " + base64.b64encode(f"{MCP_USER}:{DEMO_PASSWORD}".encode()).decode()
PING = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "ping"}).encode()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "syncer.sqlite"
    tui(path, "demo", "--hosts", "1500")
    return path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def open_fds(pid: int) -> int:
    """Open sockets of the process (database files opened on first use do not count)."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def wait_until(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def closed_by_server(sock: socket.socket, feed: bytes, timeout: float) -> float | None:
    """Feeds `feed` a byte every 0.3 s until the server closes; seconds taken, or None."""
    started = time.monotonic()
    sock.settimeout(0.3)
    i = 0
    while time.monotonic() - started < timeout:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except socket.timeout:
            pass
        except OSError:
            return time.monotonic() - started
        try:
            sock.send(feed[i % len(feed):i % len(feed) + 1])
        except OSError:
            return time.monotonic() - started
        i += 1
    return None


def ping_ok(port: int, timeout: float = 10) -> bool:
    """One ping over /mcp on a fresh connection, waiting up to `timeout` for the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
                     f"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                     f"Content-Length: {len(PING)}\r\nConnection: close\r\n\r\n".encode() + PING)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    finally:
        sock.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    return head.startswith(b"HTTP/1.1 200") and json.loads(body)["result"] == {}


def test_slow_loris_headers_and_bodies_are_cut_off(db):
    with http_server(db, "--idle-timeout", "2", "--request-timeout", "2") as (port, proc):
        header = socket.create_connection(("127.0.0.1", port))
        header.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        took = closed_by_server(header, b"X-Slow: 1\r\n", timeout=15)
        assert took is not None and took < 8, f"a header trickle held the connection for {took} s"

        body = socket.create_connection(("127.0.0.1", port))
        body.sendall(f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{".encode())
        took = closed_by_server(body, b" ", timeout=15)
        assert took is not None and took < 8, f"a body trickle held the connection for {took} s"
        assert ping_ok(port)


def test_a_flood_of_idle_connections_is_capped_and_then_cleared(db):
    with http_server(db, "--max-connections", "40", "--idle-timeout", "2") as (port, proc):
        baseline = open_fds(proc.pid)
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(150)]
        time.sleep(1)
        held = open_fds(proc.pid) - baseline
        assert held <= 40 + 5, f"{held} descriptors for 150 idle connections with --max-connections 40"
        # The idle ones are closed round by round, then an honest client is served.
        assert ping_ok(port, timeout=30)
        for s in idle:
            s.close()
        assert wait_until(lambda: open_fds(proc.pid) <= baseline + 2, 15)


def open_sse(port: int) -> tuple[socket.socket, int]:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\nAccept: text/event-stream\r\n\r\n".encode())
    sock.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1") else 0
    if status == 200:
        while b"session_id=" not in head:
            head += sock.recv(4096)
    return sock, status


def test_thousands_of_idle_sse_sessions_stay_bounded(db):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    # One user opens them all: lift the per-user cap (default 32) so the total cap is what is measured.
    with http_server(db, "--max-sse-sessions", "1500", "--max-sse-sessions-per-user", "2000",
                     "--max-connections", "4000") as (port, proc):
        baseline_fds, baseline_rss = open_fds(proc.pid), rss_mb(proc.pid)
        streams, statuses = [], []
        for _ in range(2000):
            sock, status = open_sse(port)
            statuses.append(status)
            if status == 200:
                streams.append(sock)
            else:
                sock.close()
        assert statuses.count(200) == 1500 and statuses.count(503) == 500, {s: statuses.count(s) for s in set(statuses)}
        fds, rss = open_fds(proc.pid) - baseline_fds, rss_mb(proc.pid) - baseline_rss
        print(f"1500 idle SSE sessions: +{fds} fds, +{rss:.1f} MB RSS ({rss * 1024 / 1500:.1f} KB each)")
        assert fds <= 1500 + 20
        assert rss < 150, f"1500 idle sessions cost {rss:.0f} MB"
        assert ping_ok(port)
        for sock in streams:
            sock.close()
        # Clients that hang up free their sessions and descriptors.
        assert wait_until(lambda: open_fds(proc.pid) <= baseline_fds + 5, 30, step=0.5)

        def reopened() -> bool:
            sock, status = open_sse(port)
            sock.close()
            return status == 200
        assert wait_until(reopened, 10, step=0.5)


def post_message(port: int, session: str, payload: dict) -> int:
    sock = socket.create_connection(("127.0.0.1", port))
    body = json.dumps(payload).encode()
    sock.sendall(f"POST /messages/?session_id={session} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    sock.settimeout(10)
    reply = sock.recv(4096)
    sock.close()
    return int(reply.split(b" ", 2)[1])


def test_an_sse_client_that_never_reads_loses_its_session_not_our_memory(db):
    with http_server(db, "--max-queued-bytes", "2000000", "--write-timeout", "3") as (port, proc):
        baseline = rss_mb(proc.pid)
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(f"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n\r\n".encode())
        sock.settimeout(10)
        head = b""
        while b"session_id=" not in head:
            head += sock.recv(4096)
        session = head.split(b"session_id=")[1].split(b"\n")[0].strip().decode()
        big = {"jsonrpc": "2.0", "method": "tools/call",
               "params": {"name": "list_hosts", "arguments": {"start": 0, "limit": 1000}}}
        statuses = []
        for i in range(200):  # about 100 MB of replies, were they all kept
            statuses.append(post_message(port, session, {**big, "id": i}))
            if statuses[-1] == 404:
                break
            time.sleep(0.02)
        # The session is dropped (queue over its limit, or the write stalled), never grown.
        assert wait_until(lambda: post_message(port, session, {**big, "id": 999}) == 404, 20, step=0.5), statuses[-5:]
        grown = rss_mb(proc.pid) - baseline
        assert grown < 80, f"RSS grew {grown:.0f} MB for one client that does not read"
        sock.close()
        assert ping_ok(port)


def test_an_sse_session_gets_429_beyond_its_in_flight_limit(db):
    with http_server(db, "--max-in-flight", "1") as (port, proc):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n\r\n".encode())
        sock.settimeout(10)
        head = b""
        while b"session_id=" not in head:
            head += sock.recv(4096)
        session = head.split(b"session_id=")[1].split(b"\n")[0].strip().decode()
        slow = {"jsonrpc": "2.0", "method": "tools/call",
                "params": {"name": "export_all_rules", "arguments": {"include_hosts": True}}}
        statuses = [post_message(port, session, {**slow, "id": i}) for i in range(5)]
        # The first is taken; while it runs, the others are refused, not queued.
        assert statuses[0] == 202 and 429 in statuses[1:], statuses
        sock.close()


def test_a_streamable_client_that_never_reads_is_dropped(tmp_path):
    # A reply larger than the kernel's socket buffers (about 4 MB here), so some of it
    # must wait in ours.
    db = tmp_path / "big.sqlite"
    tui(db, "demo", "--hosts", "9000")
    with http_server(db, "--write-timeout", "2") as (port, proc):
        baseline = open_fds(proc.pid)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "export_all_rules", "arguments": {"include_hosts": True}}}).encode()
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
                     f"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        assert wait_until(lambda: open_fds(proc.pid) > baseline, 5)
        # Never read: the server gives up on us once its output has been stuck for 2 s
        # (its idle timeout, 30 s, would not have struck yet).
        assert wait_until(lambda: open_fds(proc.pid) <= baseline, 25, step=0.5)
        sock.close()
        assert ping_ok(port)


def test_a_stdio_client_that_never_reads_stalls_itself_not_our_memory(db):
    proc = subprocess.Popen([str(MCP_BIN), "--db", str(db), "--user", MCP_USER, "--password", DEMO_PASSWORD,
                             "--max-in-flight", "8"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=clean_env(db.parent))
    count = 150
    pad = "x" * 8000
    sent = []

    def write_all():
        for i in range(count):
            frame = {"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {
                "name": "list_hosts", "arguments": {"start": 0, "limit": 1000}, "_meta": {"pad": pad}}}
            proc.stdin.write((json.dumps(frame) + "\n").encode())
            proc.stdin.flush()
            sent.append(i)
        proc.stdin.close()

    writer = threading.Thread(target=write_all, daemon=True)
    writer.start()
    try:
        time.sleep(4)
        # We read nothing: the server took a few requests and then stopped reading.
        assert len(sent) < count, "the server kept reading although no reply was taken"
        held = rss_mb(proc.pid)
        assert held < 120, f"{held:.0f} MB held for a client that reads nothing"
        ids = set()
        for line in proc.stdout:
            ids.add(json.loads(line)["id"])
        assert ids == set(range(count)), f"{count - len(ids)} replies lost"
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
