"""Protocol fuzzing of the running server, stdio and HTTP: random and mutated JSON-RPC
frames, wrong types for every tool parameter, huge and deeply nested values. Every frame is
answered or refused as the spec says, and the server still answers ping afterwards.
Bounded: FUZZ_FRAMES frames per transport (default 600), fixed seeds."""
from __future__ import annotations

import base64
import http.client
import json
import os
import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from mcp_harness import MCP_BIN, clean_env, tui  # noqa: E402
from test_mcp_http import http_server  # noqa: E402

FRAMES = int(os.environ.get("FUZZ_FRAMES", "600"))
VALID_CODES = {-32700, -32600, -32601, -32602, -32002}


def tool_names() -> list[str]:
    folder = Path(__file__).resolve().parents[1] / "MCPServerTests" / "__toolsnaps__"
    return sorted(p.stem for p in folder.glob("*.json"))


def wrong_values(rng: random.Random):
    deep = "x"
    for _ in range(rng.choice([10, 300, 600])):
        deep = [deep]
    return rng.choice([None, True, -1, 2**70, 1e308, "", "ä" * 5000, [], {}, {"a": {"b": None}}, deep, "\u0000", -0.5,
                       "x" * 200_000])


def frames(rng: random.Random):
    names = tool_names()
    base = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_hosts", "arguments": {}}}
    for n in range(FRAMES):
        kind = rng.randrange(8)
        if kind == 0:  # random bytes
            yield bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).replace(b"\n", b" ")
        elif kind == 1:  # a valid frame with bytes mutated
            raw = bytearray(json.dumps(base).encode())
            for _ in range(rng.randrange(1, 6)):
                raw[rng.randrange(len(raw))] = rng.randrange(32, 127)
            yield bytes(raw)
        elif kind == 2:  # every tool with wrong types for its parameters
            args = {k: wrong_values(rng) for k in rng.sample(["hostname", "account", "labels", "key", "inventory", "start",
                                                               "limit", "cursor", "name", "rule_type", "rule", "override",
                                                               "payload", "debug", "group_name", "include_hosts"], 3)}
            yield json.dumps({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                              "params": {"name": rng.choice(names), "arguments": args}}).encode()
        elif kind == 3:  # wrong envelope types
            yield json.dumps({"jsonrpc": rng.choice(["2.0", "1.0", 2, None]), "id": wrong_values(rng),
                              "method": rng.choice(["ping", 3, None, "tools/list", "resources/read"]),
                              "params": wrong_values(rng)}).encode()
        elif kind == 4:  # deep nesting
            depth = rng.choice([100, 1000, 50_000])
            yield (b'{"jsonrpc":"2.0","id":1,"method":"ping","params":' + b"[" * depth + b"]" * depth + b"}")
        elif kind == 5:  # resources and completion with odd values
            yield json.dumps({"jsonrpc": "2.0", "id": n, "method": rng.choice(["resources/read", "completion/complete"]),
                              "params": {"uri": rng.choice(["cmdbsyncer://hosts/", "cmdbsyncer://rules/../", "file:///etc/passwd",
                                                            "cmdbsyncer://hosts/" + "a" * 10_000, wrong_values(rng)]),
                                         "ref": wrong_values(rng), "argument": wrong_values(rng)}}).encode()
        elif kind == 6:  # batches and non-objects
            yield json.dumps(rng.choice([[], [base, base], 1, "x", None, True])).encode()
        else:  # invalid UTF-8 inside a string
            yield b'{"jsonrpc":"2.0","id":1,"method":"ping\xff\xfe"}'


def check_reply(reply: dict) -> None:
    assert reply.get("jsonrpc") == "2.0", reply
    if "error" in reply:
        assert reply["error"]["code"] in VALID_CODES, reply
    else:
        assert "result" in reply, reply


def test_stdio_survives_fuzzed_frames(tmp_path):
    db = tmp_path / "syncer.sqlite"
    tui(db, "demo", "--hosts", "20")
    rng = random.Random(1234)
    sent = list(frames(rng))
    ping = json.dumps({"jsonrpc": "2.0", "id": "final-ping", "method": "ping"}).encode()
    proc = subprocess.run([str(MCP_BIN), "--db", str(db), "--user", "admin@example.org", "--password", "demo-password"],
                          input=b"\n".join(sent + [ping]) + b"\n", capture_output=True, timeout=300, env=clean_env(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    replies = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    for reply in replies:
        check_reply(reply)
    # Only notifications (valid frames without an id) may go unanswered.
    assert len(replies) > len(sent) * 0.8, (len(replies), len(sent))
    assert any(r.get("id") == "final-ping" and r.get("result") == {} for r in replies)


def test_http_survives_fuzzed_frames(tmp_path):
    db = tmp_path / "syncer.sqlite"
    tui(db, "demo", "--hosts", "20")
    rng = random.Random(99)
    auth = "Basic " + base64.b64encode(b"admin@example.org:demo-password").decode()
    with http_server(db) as (port, proc):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for frame in frames(rng):
            conn.request("POST", "/mcp", body=frame, headers={"Authorization": auth, "Content-Type": "application/json",
                                                               "Accept": "application/json, text/event-stream"})
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status in (200, 202, 400, 413), (resp.status, body[:200])
            if resp.status in (200, 400) and body:
                check_reply(json.loads(body))
        conn.request("POST", "/mcp", body=json.dumps({"jsonrpc": "2.0", "id": 7, "method": "ping"}),
                     headers={"Authorization": auth, "Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["result"] == {}
        assert proc.poll() is None
