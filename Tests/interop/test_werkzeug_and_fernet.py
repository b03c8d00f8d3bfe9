"""Interop with the real Python libraries CMDBsyncer uses: werkzeug password hashes and
cryptography's Fernet tokens, in both directions, through the built syncer-tui."""
import json

import pytest
from cryptography.fernet import Fernet
from werkzeug.security import check_password_hash, generate_password_hash


def bundle(path, rule_type, docs):
    path.write_text(json.dumps({"rules": {rule_type: docs}}))
    return str(path)


@pytest.mark.parametrize("method", ["scrypt", "scrypt:16384:8:1", "pbkdf2:sha256", "pbkdf2:sha256:1000", "pbkdf2:sha512:5000"])
def test_werkzeug_hashes_log_in_here(tmp_path, db, tui, method):
    password = "pässwörd ✓ " + method
    users = [{"email": "w@example.org", "name": "w", "pwdhash": generate_password_hash(password, method=method),
              "api_roles": ["mcp"]}]
    assert tui("--db", db, "rules", "import", bundle(tmp_path / "u.json", "users", users)).returncode == 0
    ok = tui("--db", db, "user", "check", "w", "--role", "mcp", "--password-stdin", stdin=password + "\n")
    assert ok.returncode == 0, ok.stderr
    bad = tui("--db", db, "user", "check", "w", "--password-stdin", stdin=password + "x\n")
    assert bad.returncode == 1
    assert bad.stderr.startswith("syncer-tui: error: authentication failed")


def test_our_hashes_log_in_with_werkzeug(tmp_path, db, tui):
    password = "a new password ✓"
    add = tui("--db", db, "user", "add", "new@example.org", "--password-stdin", stdin=password + "\n")
    assert add.returncode == 0, add.stderr
    out = tmp_path / "users.json"
    assert tui("--db", db, "rules", "export", "--type", "users", "-o", str(out)).returncode == 0
    [user] = json.loads(out.read_text())["rules"]["users"]
    assert user["pwdhash"].startswith("scrypt:32768:8:1$")
    assert check_password_hash(user["pwdhash"], password)
    assert not check_password_hash(user["pwdhash"], password + "x")


def test_fernet_tokens_cross_both_ways(tmp_path, db, tui):
    key = Fernet.generate_key().decode()
    env = {"CMDBSYNCER_CRYPTOGRAPHY_KEY": key}
    theirs = Fernet(key.encode()).encrypt("from python ä".encode()).decode()
    accounts = [
        {"name": "theirs", "typ": "cmkv2", "password_crypted": theirs},
        {"name": "plain", "typ": "csv", "password": "from a bundle ✓"},
    ]
    assert tui("--db", db, "rules", "import", bundle(tmp_path / "a.json", "accounts", accounts), env=env).returncode == 0
    shown = tui("--db", db, "accounts", "show", "theirs", "--show-password", "--json", env=env)
    assert json.loads(shown.stdout)["password"] == "from python ä"
    hidden = tui("--db", db, "accounts", "show", "theirs", "--json", env=env)
    assert "from python" not in hidden.stdout
    out = tmp_path / "accounts.json"
    assert tui("--db", db, "rules", "export", "--type", "accounts", "-o", str(out), env=env).returncode == 0
    exported = {a["name"]: a for a in json.loads(out.read_text())["rules"]["accounts"]}
    assert "password" not in exported["plain"]
    assert Fernet(key.encode()).decrypt(exported["plain"]["password_crypted"].encode()).decode() == "from a bundle ✓"
    assert exported["theirs"]["password_crypted"] == theirs


def test_key_file_is_private(tmp_path, db, tui):
    accounts = [{"name": "plain", "typ": "csv", "password": "x"}]
    assert tui("--db", db, "rules", "import", bundle(tmp_path / "a.json", "accounts", accounts)).returncode == 0
    import os
    import stat
    mode = stat.S_IMODE(os.stat(db + ".key").st_mode)
    assert mode == 0o600
    os.chmod(db + ".key", 0o644)
    refused = tui("--db", db, "accounts", "show", "plain", "--show-password")
    assert refused.returncode == 1
    assert "chmod 600" in refused.stderr
