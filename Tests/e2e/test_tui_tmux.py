"""End-to-end tests of the interactive console, driven through tmux.

A private tmux server (-L) per test, TERM and LANG set explicitly in the pane, every wait
a poll with a timeout (never a fixed sleep), and the exit status written by a wrapper shell
(tmux's own pane_dead_status is unreliable on Debian's tmux 3.3a).
"""
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("SYNCER_BIN_DIR", REPO / ".build" / "debug"))
BIN = BIN_DIR / "syncer-tui"

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not BIN.exists(), reason=f"{BIN} not built"),
]


def admin(db, *args, stdin=None):
    """Runs an admin subcommand; returns parsed JSON when --json is among the args."""
    out = subprocess.run([str(BIN), "--db", str(db), *args], input=stdin, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if "--json" in args else out.stdout


class Pane:
    """One console running in a detached tmux session on a private socket."""

    def __init__(self, tmp_path, db, width=120, height=36, env=None, args=(), stderr_file=None):
        self.socket = f"tuitest-{os.getpid()}-{id(self)}"
        self.status = tmp_path / "exit-status"
        conf = tmp_path / "tmux.conf"
        conf.write_text("set -g remain-on-exit on\nset -g status off\nset -g escape-time 0\n")
        env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", **(env or {})}
        assignments = " ".join(f"{k}='{v}'" for k, v in env.items())
        extra = " ".join(args)
        redirect = f"2>'{stderr_file}'" if stderr_file else ""
        command = f"env -u NO_COLOR {assignments} '{BIN}' --db '{db}' {extra} {redirect}; echo $? > '{self.status}'"
        self.environ = {k: v for k, v in os.environ.items() if k != "TMUX"}
        self.tmux("-f", str(conf), "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.environ,
                              timeout=10, check=True).stdout

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def type(self, text):
        self.tmux("send-keys", "-t", "t", "-l", text)

    def screen(self, colours=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if colours else []), "-t", "t")

    def lines(self):
        return self.screen().split("\n")

    def wait_for(self, predicate, timeout=10.0, what="condition"):
        """Polls the screen every 20 ms until `predicate(screen)` holds."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.02)
        pytest.fail(f"timed out waiting for {what}; screen was:\n{screen}")

    def wait_text(self, *texts, timeout=10.0):
        return self.wait_for(lambda s: all(t in s for t in texts), timeout, what=" and ".join(map(repr, texts)))

    def exit_status(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status.exists() and self.status.read_text().strip():
                return int(self.status.read_text().strip())
            time.sleep(0.02)
        pytest.fail(f"the console did not exit; screen was:\n{self.screen()}")

    def close(self):
        socket = subprocess.run(["tmux", "-L", self.socket, "display", "-p", "#{socket_path}"], capture_output=True,
                                text=True, env=self.environ).stdout.strip()
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.environ)
        if socket and Path(socket).name == self.socket:
            Path(socket).unlink(missing_ok=True)


@pytest.fixture
def demo_db(tmp_path):
    db = tmp_path / "demo.sqlite"
    admin(db, "demo", "--hosts", "200")
    return db


@pytest.fixture
def pane_factory(tmp_path):
    panes = []

    def make(db, **kwargs):
        pane = Pane(tmp_path, db, **kwargs)
        panes.append(pane)
        return pane

    yield make
    for pane in panes:
        pane.close()


def test_operator_walkthrough(demo_db, pane_factory):
    pane = pane_factory(demo_db)
    pane.wait_text("1 of 4 users", "ci-bot@example.org", "? Help")

    # Grant mcp to ci-bot through the Users screen, with the typed confirmation.
    pane.keys("j", "j", "j", "r")
    pane.wait_text("API roles of ci-bot@example.org")
    pane.keys("j", "j", "Space")
    pane.wait_text("Grant 'mcp' to ci-bot@example.org?", "Type mcp")
    pane.type("mcp")
    pane.keys("Enter")
    pane.wait_text("Granted mcp to ci-bot@example.org")
    users = {u["email"]: u for u in admin(demo_db, "user", "list", "--json")}
    assert users["ci-bot@example.org"]["api_roles"] == ["mcp"]

    # Filter hosts as we type.
    pane.keys("Escape", "2")
    pane.wait_text("of 200 hosts")
    pane.keys("/")
    pane.type("web-fra")
    pane.keys("Enter")
    expected = sum("web-fra" in h["hostname"] for h in admin(demo_db, "hosts", "list", "--limit", "1000", "--json"))
    screen = pane.wait_text(f"of {expected} hosts", "filter: web-fra")
    rows = [l for l in screen.split("\n") if ".example.org" in l]
    assert rows and all("web-fra" in r for r in rows)

    # Trigger a cron group.
    pane.keys("5")
    pane.wait_text("nightly", "hourly import", "checkmk export")
    pane.keys("t")
    pane.wait_text("Triggered nightly")
    groups = {g["name"]: g for g in admin(demo_db, "cron", "status", "--json")}
    assert groups["nightly"]["run_once_next"] is True

    # Resize: smaller, too small, back.
    pane.tmux("resize-window", "-t", "t", "-x", "80", "-y", "20")
    pane.wait_for(lambda s: len(s.rstrip("\n").split("\n")) == 20 and s.rstrip("\n").split("\n")[-1].startswith("t Trigger")
                  and "1 of 3 cron groups" in s, what="an 80x20 frame")
    pane.tmux("resize-window", "-t", "t", "-x", "50", "-y", "10")
    pane.wait_text("Terminal too small", "50×10")
    pane.tmux("resize-window", "-t", "t", "-x", "100", "-y", "30")
    pane.wait_for(lambda s: "Terminal too small" not in s and "nightly" in s and "t Trigger" in s, what="the frame after resizing back")

    pane.keys("q")
    assert pane.exit_status() == 0


def test_help_palette_and_logs(demo_db, pane_factory):
    pane = pane_factory(demo_db)
    pane.wait_text("1 of 4 users")
    pane.keys("?")
    pane.wait_text("Grant or revoke API roles", "Everywhere")
    pane.keys("Escape", ":")
    pane.type("lo")
    pane.keys("Tab")
    pane.wait_text(":logs█")
    pane.keys("Enter")
    pane.wait_text("Time", "Message", "entries")
    pane.keys("q")
    assert pane.exit_status() == 0


def test_read_only_hides_writes(demo_db, pane_factory):
    pane = pane_factory(demo_db, args=("--read-only",))
    screen = pane.wait_text("READ-ONLY", "1 of 4 users")
    assert "Roles" not in screen.split("\n")[-2] + screen.split("\n")[-1]
    pane.keys("j", "j", "j", "r", "d", "q")
    assert pane.exit_status() == 0
    users = {u["email"]: u for u in admin(demo_db, "user", "list", "--json")}
    assert users["ci-bot@example.org"]["api_roles"] == [] and not users["ci-bot@example.org"]["disabled"]


def test_non_utf8_locale_still_draws_wide_text(demo_db, pane_factory):
    pane = pane_factory(demo_db, env={"LANG": "C", "LC_ALL": "C"})
    pane.wait_text("1 of 4 users")
    pane.keys("2", "/")
    pane.type("team=東京")
    pane.keys("Enter")
    screen = pane.wait_text("filter: team=東京", "team=東京")
    assert "~" not in screen.split("filter:")[0].split("\n")[2]
    pane.keys("q")
    assert pane.exit_status() == 0


def test_no_color_uses_attributes_only(demo_db, pane_factory):
    pane = pane_factory(demo_db, env={"NO_COLOR": "1"})
    pane.wait_text("1 of 4 users")
    coloured = pane.screen(colours=True)
    assert "\x1b[7m" in coloured  # selection and bars in reverse video
    assert not any(f"\x1b[{c}" in coloured for c in ("30m", "31m", "32m", "33m", "36m", "44m", "46m"))
    pane.keys("q")
    assert pane.exit_status() == 0


def test_unknown_term_and_no_tty_give_a_clear_message(demo_db, pane_factory, tmp_path):
    out = subprocess.run([str(BIN), "--db", str(demo_db)], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "needs a terminal" in out.stderr

    # The message goes to a file: tmux may drop a pane's very first output while it sets the
    # pane up, and this process prints nothing else.
    errors = tmp_path / "stderr.txt"
    pane = pane_factory(demo_db, env={"TERM": "no-such-terminal"}, stderr_file=errors)
    assert pane.exit_status() != 0
    message = errors.read_text()
    assert "no-such-terminal" in message and "TERM=xterm-256color" in message
    assert len(message.strip().split("\n")) == 1


def test_api_token_is_shown_once_and_revoked(demo_db, pane_factory):
    pane = pane_factory(demo_db)
    pane.wait_text("1 of 4 users", "t Tokens")
    pane.keys("j", "t")
    pane.wait_text("API tokens of mcp@example.org", "No API tokens")

    # Create one: label, empty expiry (never); the secret is shown once, in its own box.
    pane.keys("n")
    pane.wait_text("New API token for mcp@example.org", "Expires in days")
    pane.type("e2e run")
    pane.keys("Enter", "Enter")
    screen = pane.wait_text("it will not be shown again", "CMDBSYNCER_API_TOKEN")
    secrets = re.findall(r"cmdb_pat_[A-Za-z0-9_-]{43}", screen)
    assert len(secrets) == 1, screen
    secret = secrets[0]
    [token] = admin(demo_db, "user", "token", "list", "mcp@example.org", "--json")
    assert token["label"] == "e2e run" and token["prefix"] == secret[:15] and token["expires_at"] is None

    # Dismissed, it is gone from the screen; the list shows the token by its prefix only.
    pane.keys("Enter")
    screen = pane.wait_for(lambda s: "not be shown again" not in s and "e2e run" in s, what="the token list again")
    assert secret not in screen and secret[:15] + "…" in screen

    # Revoke it, with the typed word.
    pane.keys("x")
    pane.wait_text("Revoke an API token of mcp@example.org?", "Type revoke")
    pane.type("revoke")
    pane.keys("Enter")
    pane.wait_text("Revoked API token " + token["token_id"], "No API tokens")
    assert admin(demo_db, "user", "token", "list", "mcp@example.org", "--json") == []
    pane.keys("Escape", "q")
    assert pane.exit_status() == 0
