import os
import pathlib
import subprocess
import uuid

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("SYNCER_BIN_DIR", REPO / ".build" / "debug"))


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "syncer.sqlite")


@pytest.fixture
def tui():
    """Runs syncer-tui with arguments (and stdin); returns the CompletedProcess."""

    def run(*args, stdin=None, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(
            [str(BIN_DIR / "syncer-tui"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=120,
        )

    return run
