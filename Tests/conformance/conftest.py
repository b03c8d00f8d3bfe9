"""Fixtures of the cmdbsyncer-mcp conformance tests; helpers live in mcp_harness.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from mcp_harness import (
    DISABLED_USER, MCP_BIN, NOROLE_USER, OTHER_PASSWORD, READONLY_MCP_USER, FIXTURE_BUNDLE, TUI_BIN, tui,
)


@pytest.fixture(scope="session", autouse=True)
def _binaries() -> None:
    for b in (MCP_BIN, TUI_BIN):
        if not b.exists():
            pytest.exit(f"{b} not found: build it or set SYNCER_BIN_DIR", returncode=2)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 demo hosts, demo users, plus users for the authentication failure cases."""
    db = tmp_path_factory.mktemp("demo") / "syncer.sqlite"
    tui(db, "demo", "--hosts", "50")
    tui(db, "user", "add", NOROLE_USER, "--name", "norole", "--password-stdin", stdin=OTHER_PASSWORD + "\n")
    tui(db, "user", "add", DISABLED_USER, "--name", "disabled", "--api-role", "mcp", "--password-stdin",
        stdin=OTHER_PASSWORD + "\n")
    tui(db, "user", "disable", DISABLED_USER)
    tui(db, "user", "add", READONLY_MCP_USER, "--name", "ro-mcp", "--api-role", "mcp", "--readonly", "--password-stdin",
        stdin=OTHER_PASSWORD + "\n")
    return db


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    """A demo database of its own, for tests that must see untouched state."""
    db = tmp_path / "syncer.sqlite"
    tui(db, "demo", "--hosts", "50")
    return db


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding only the real CMDBsyncer 4.4 export (user mcp / secret)."""
    db = tmp_path_factory.mktemp("fixture") / "syncer.sqlite"
    tui(db, "rules", "import", str(FIXTURE_BUNDLE))
    return db
