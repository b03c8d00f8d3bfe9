#!/usr/bin/env python3
"""Measures cmdbsyncer-mcp over stdio: cold start (spawn → initialize result) and request
latency on an open session (ping, list_hosts limit 100 by offset and by cursor).

Usage:
  syncer-tui --db /tmp/bench/syncer.sqlite demo --hosts 100000      # once
  scripts/bench-mcp.py --bin .build-mcp/release/cmdbsyncer-mcp --db /tmp/bench/syncer.sqlite

Only the standard library; the server's stderr is discarded.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}


def line(msg: dict) -> bytes:
    return (json.dumps(msg) + "\n").encode()


def send(proc: subprocess.Popen, msg: dict) -> None:
    proc.stdin.write(line(msg))
    proc.stdin.flush()


def spawn(args: argparse.Namespace) -> subprocess.Popen:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.Popen(
        [args.bin, "--db", args.db, "--user", args.user, "--password", args.password],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)


def summary(name: str, samples: list[float]) -> str:
    s = sorted(samples)
    p90 = s[min(len(s) - 1, int(len(s) * 0.9))]
    return (f"{name:<34} median {statistics.median(s):8.3f} ms   min {s[0]:8.3f}   p90 {p90:8.3f}   "
            f"max {s[-1]:8.3f}   (n={len(s)})")


def cold_start(args: argparse.Namespace) -> list[float]:
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        proc = spawn(args)
        send(proc, INIT)
        reply = proc.stdout.readline()
        times.append((time.perf_counter() - t0) * 1000)
        assert json.loads(reply)["result"]["protocolVersion"], reply
        proc.stdin.close()
        proc.wait(timeout=30)
    return times


def session_latency(args: argparse.Namespace) -> dict[str, list[float]]:
    proc = spawn(args)
    send(proc, INIT)
    json.loads(proc.stdout.readline())
    send(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    next_id = 1

    def rtt(method: str, params: dict | None = None) -> tuple[float, dict]:
        nonlocal next_id
        msg = {"jsonrpc": "2.0", "id": next_id, "method": method}
        if params is not None:
            msg["params"] = params
        next_id += 1
        t0 = time.perf_counter()
        send(proc, msg)
        reply = json.loads(proc.stdout.readline())
        elapsed = (time.perf_counter() - t0) * 1000
        assert "result" in reply and not reply["result"].get("isError"), reply
        return elapsed, reply["result"]

    results: dict[str, list[float]] = {"ping": [], "list_hosts limit=100 start=0": [],
                                       "list_hosts limit=100 start=99800": [], "list_hosts limit=100 by cursor": []}
    size = None
    for _ in range(5):  # warm-up
        rtt("tools/call", {"name": "list_hosts", "arguments": {"limit": 100}})
    cursor = None
    for _ in range(args.requests):
        results["ping"].append(rtt("ping")[0])
        t, r = rtt("tools/call", {"name": "list_hosts", "arguments": {"limit": 100}})
        results["list_hosts limit=100 start=0"].append(t)
        size = r["structuredContent"]["size"]
        deep = max(0, size - 200)
        t, _ = rtt("tools/call", {"name": "list_hosts", "arguments": {"limit": 100, "start": deep}})
        results["list_hosts limit=100 start=99800"].append(t)
        t, r = rtt("tools/call", {"name": "list_hosts", "arguments": {"limit": 100, **({"cursor": cursor} if cursor else {})}})
        results["list_hosts limit=100 by cursor"].append(t)
        cursor = r["structuredContent"].get("nextCursor")
    proc.stdin.close()
    proc.wait(timeout=30)
    print(f"database holds {size} hosts")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=".build-mcp/release/cmdbsyncer-mcp")
    ap.add_argument("--db", required=True)
    ap.add_argument("--user", default="mcp@example.org")
    ap.add_argument("--password", default="demo-password")
    ap.add_argument("--runs", type=int, default=20, help="cold starts to time")
    ap.add_argument("--requests", type=int, default=200, help="requests of each kind on the open session")
    args = ap.parse_args()

    print(summary("cold start → initialize result", cold_start(args)))
    for name, samples in session_latency(args).items():
        print(summary(name, samples))


if __name__ == "__main__":
    main()
