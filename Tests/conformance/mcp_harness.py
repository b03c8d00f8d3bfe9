"""Helpers for the cmdbsyncer-mcp conformance tests: binaries, test databases, clients.

Binaries come from $SYNCER_BIN_DIR (a folder holding cmdbsyncer-mcp and syncer-tui),
default <repo>/.build/debug. Test databases are made in temp folders with the syncer-tui
admin subcommands, so these tests exercise the shipped executables only.

A module of its own rather than conftest.py: other test folders have a conftest.py too,
and `from conftest import ...` would get whichever was imported first.

Run: SYNCER_BIN_DIR=$PWD/.build/debug python -m pytest Tests/conformance -q
"""
from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("SYNCER_BIN_DIR", REPO / ".build" / "debug"))
MCP_BIN = BIN_DIR / "cmdbsyncer-mcp"
TUI_BIN = BIN_DIR / "syncer-tui"
FIXTURE_BUNDLE = REPO / "Tests" / "Fixtures" / "cmdbsyncer-4.4-export.json"

DEMO_PASSWORD = "demo-password"
MCP_USER = "mcp@example.org"
ADMIN_USER = "admin@example.org"
VIEWER_USER = "viewer@example.org"  # api roles: objects; read-only
NOROLE_USER = "norole@example.org"  # no API role at all
DISABLED_USER = "disabled@example.org"  # mcp role, disabled
READONLY_MCP_USER = "ro-mcp@example.org"  # mcp role, read-only flag
OTHER_PASSWORD = "another-password"


def tui(db: Path, *args: str, stdin: str | None = None) -> str:
    """Runs a syncer-tui admin subcommand; fails the test setup on a non-zero exit."""
    proc = subprocess.run(
        [str(TUI_BIN), "--db", str(db), *args], input=stdin, capture_output=True, text=True, timeout=300,
        env=clean_env(db.parent),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"syncer-tui {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: no CMDBSYNCER_* variables leak in from the caller."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def server_params(db: Path, user: str | None = MCP_USER, password: str | None = DEMO_PASSWORD,
                  *extra: str, env: dict[str, str] | None = None) -> StdioServerParameters:
    args = ["--db", str(db)]
    if user is not None:
        args += ["--user", user]
    if password is not None:
        args += ["--password", password]
    return StdioServerParameters(command=str(MCP_BIN), args=[*args, *extra], env=env or clean_env(db.parent))


@contextlib.asynccontextmanager
async def connect(db: Path, user: str = MCP_USER, password: str = DEMO_PASSWORD, *extra: str, mode: str = "legacy"):
    async with Client(server_params(db, user, password, *extra), mode=mode) as client:
        yield client


def run(fn, *args):
    """Runs an async test body (no pytest async plugin needed)."""
    return anyio.run(fn, *args)


def spawn(db: Path, *extra: str, user: str | None = MCP_USER, password: str | None = DEMO_PASSWORD,
          env: dict[str, str] | None = None, input: bytes = b"", timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs cmdbsyncer-mcp with `input` on stdin until it exits; returns stdout/stderr bytes."""
    p = server_params(db, user, password, *extra, env=env)
    return subprocess.run([p.command, *p.args], input=input, capture_output=True, timeout=timeout, env=p.env)
