"""cmdbsyncer-mcp over stdio, driven by the official Python MCP client (PyPI `mcp` 2.x) and
by raw pipes. See conftest.py for how binaries and databases are found and made."""
from __future__ import annotations

import json
import subprocess
import time

import pytest
from mcp import ClientSession
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from mcp_types import ResourceTemplateReference

from mcp_harness import (
    ADMIN_USER, DEMO_PASSWORD, DISABLED_USER, MCP_BIN, MCP_USER, NOROLE_USER, OTHER_PASSWORD, READONLY_MCP_USER,
    VIEWER_USER, clean_env, connect, run, server_params, spawn,
)

TOOLS = [
    "list_hosts", "get_host", "upsert_host", "delete_host", "update_host_inventory", "list_accounts", "get_account",
    "list_rule_types", "export_rules", "export_all_rules", "create_rule", "import_rules_bulk", "run_autorules",
    "get_recent_logs", "get_cron_status", "trigger_cron_group", "host_stats",
]
WRITE_TOOLS = {"upsert_host", "delete_host", "update_host_inventory", "create_rule", "import_rules_bulk",
               "run_autorules", "trigger_cron_group"}
HANDSHAKE_VERSIONS = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}
HOST = "web-fra-00000.example.org"


def structured(result) -> dict:
    """A successful tool result: structuredContent, equal to the JSON text content."""
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def tool_error(result) -> str:
    assert result.is_error
    text = result.content[0].text
    assert text and not text.startswith("Traceback")
    return text


async def expect_rpc_error(code: int, awaitable) -> MCPError:
    with pytest.raises(MCPError) as info:
        await awaitable
    assert info.value.code == code, info.value
    return info.value


# MARK: handshake


@pytest.mark.filterwarnings("ignore:ping is removed")
@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_handshake(demo_db, mode):
    async def body():
        async with connect(demo_db, mode=mode) as c:
            assert c.protocol_version in HANDSHAKE_VERSIONS
            assert c.server_info.name == "cmdbsyncer-mcp"
            caps = c.server_capabilities
            assert caps.tools is not None and caps.resources is not None and caps.completions is not None
            assert c.instructions
            await c.send_ping()
            tools = (await c.list_tools()).tools
            assert [t.name for t in tools] == TOOLS
    run(body)


def test_low_level_client_session(demo_db):
    async def body():
        async with stdio_client(server_params(demo_db)) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                assert init.protocol_version in HANDSHAKE_VERSIONS
                assert init.server_info.name == "cmdbsyncer-mcp"
                result = await session.call_tool("host_stats", {})
                assert structured(result)["num_hosts"] >= 50
    run(body)


@pytest.mark.parametrize("version", sorted(HANDSHAKE_VERSIONS) + ["2099-01-01"])
def test_version_negotiation_raw(demo_db, version):
    line = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
    out = spawn(demo_db, input=(line + "\n").encode())
    assert out.returncode == 0
    reply = json.loads(out.stdout)
    expected = version if version in HANDSHAKE_VERSIONS else "2025-11-25"
    assert reply["result"]["protocolVersion"] == expected


# MARK: tools


def test_tools_list_schemas_and_annotations(demo_db):
    async def body():
        async with connect(demo_db) as c:
            for tool in (await c.list_tools()).tools:
                assert tool.input_schema["type"] == "object"
                assert tool.output_schema and tool.output_schema["type"] == "object"
                assert tool.description and "\n    " not in tool.description
                a = tool.annotations
                assert None not in (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint)
                assert a.open_world_hint is False
                assert a.read_only_hint == (tool.name not in WRITE_TOOLS)
    run(body)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_read_tools_success(demo_db, mode):
    async def body():
        async with connect(demo_db, mode=mode) as c:
            page = structured(await c.call_tool("list_hosts", {"limit": 10}))
            assert len(page["results"]) == 10 and page["start"] == 0 and page["limit"] == 10 and page["size"] >= 50
            assert set(page["results"][0]) == {"hostname", "labels", "inventory", "last_seen", "last_update"}
            nxt = structured(await c.call_tool("list_hosts", {"limit": 10, "cursor": page["nextCursor"]}))
            assert not {h["hostname"] for h in nxt["results"]} & {h["hostname"] for h in page["results"]}
            default = structured(await c.call_tool("list_hosts", {}))
            assert default["limit"] == 100 and default["start"] == 0

            host = structured(await c.call_tool("get_host", {"hostname": HOST}))
            assert host["hostname"] == HOST and host["last_seen"].endswith("Z")

            accounts = structured(await c.call_tool("list_accounts", {}))["accounts"]
            assert {"name", "type", "enabled", "is_master", "is_child"} <= set(accounts[0])
            account = structured(await c.call_tool("get_account", {"name": "csvimport"}))
            assert account["password"] is None and account["password_redacted"] is True

            types = structured(await c.call_tool("list_rule_types", {}))["rule_types"]
            assert types == sorted(types) and "cmk_rules" in types and len(types) >= 50
            rules = structured(await c.call_tool("export_rules", {"rule_type": "cron_groups"}))
            assert rules["rule_type"] == "cron_groups" and isinstance(rules["rules"], list)
            bundle = structured(await c.call_tool("export_all_rules", {}))
            assert bundle["exported_at"].endswith("Z") and "host_objects" not in bundle["rules"]

            logs = structured(await c.call_tool("get_recent_logs", {"limit": 5}))["logs"]
            assert len(logs) <= 5
            if logs:
                assert {"entry_id", "time", "message", "source", "details", "has_error"} <= set(logs[0])
            groups = structured(await c.call_tool("get_cron_status", {}))["groups"]
            assert groups and {"name", "last_start", "next_run", "is_running", "last_message", "has_error"} <= set(groups[0])
            stats = structured(await c.call_tool("host_stats", {}))
            assert set(stats) == {"24h_checkpoint", "num_hosts", "num_objects", "not_updated_last_24h"}
    run(body)


def test_write_tools_success(demo_db):
    async def body():
        async with connect(demo_db) as c:
            name = "conformance-01.example.org"
            assert structured(await c.call_tool("upsert_host", {"hostname": name, "account": "csvimport",
                                                                "labels": {"env": "test"}})) == {"status": "saved", "hostname": name}
            assert structured(await c.call_tool("upsert_host", {"hostname": name, "account": "netbox", "labels": {}}))[
                "status"] == "account_conflict"
            assert structured(await c.call_tool("update_host_inventory", {"hostname": name, "key": "os",
                                                                          "inventory": {"name": "debian"}})) == {
                "status": "saved", "hostname": name, "key": "os"}
            assert structured(await c.call_tool("get_host", {"hostname": name}))["inventory"] == {"os__name": "debian"}
            assert structured(await c.call_tool("update_host_inventory", {"hostname": "ghost.example.org", "key": "os",
                                                                          "inventory": {}}))["status"] == "not_found"
            assert structured(await c.call_tool("delete_host", {"hostname": name})) == {"status": "deleted", "hostname": name}
            assert structured(await c.call_tool("delete_host", {"hostname": name}))["status"] == "not_found"

            rule = {"name": "conformance rule", "condition_typ": "any", "conditions": [], "outcomes": []}
            assert structured(await c.call_tool("create_rule", {"rule_type": "cmk_rules", "rule": rule})) == {
                "rule_type": "cmk_rules", "status": "imported"}
            assert structured(await c.call_tool("create_rule", {"rule_type": "cmk_rules", "rule": rule}))[
                "status"] == "duplicate"
            assert structured(await c.call_tool("create_rule", {"rule_type": "cmk_rules", "rule": rule,
                                                                "override": True}))["status"] == "imported"
            report = structured(await c.call_tool("import_rules_bulk", {"payload": {"rules": {
                "cmk_groups": [{"name": "conformance group"}], "no_such_type": [{"name": "x"}]}}}))
            assert report["imported"] == {"cmk_groups": 1} and report["total"] == 1
            assert report["skipped"] == {"no_such_type": 1}
            single = structured(await c.call_tool("import_rules_bulk", {"payload": {
                "rule_type": "cmk_groups", "rules": [{"name": "conformance group 2"}]}}))
            assert single["total"] == 1

            dry = structured(await c.call_tool("run_autorules", {"debug": True}))
            assert dry["status"] == "ok" and dry["created"] == 0 and isinstance(dry["would_create"], list)
            real = structured(await c.call_tool("run_autorules", {}))
            assert real["status"] == "ok" and real["created"] == len(dry["would_create"])

            group = structured(await c.call_tool("get_cron_status", {}))["groups"][0]["name"]
            trig = structured(await c.call_tool("trigger_cron_group", {"group_name": group}))
            assert trig["group"] == group and trig["status"] in ("triggered", "disabled")

            logs = structured(await c.call_tool("get_recent_logs", {"limit": 20}))["logs"]
            assert any(MCP_USER in json.dumps(entry) and entry["source"] == "mcp" for entry in logs)
    run(body)


def test_tool_failures_are_iserror(demo_db):
    async def body():
        async with connect(demo_db) as c:
            cases = [
                ("get_host", {"hostname": "no-such-host.example.org"}, "not found"),
                ("get_account", {"name": "no-such-account"}, "not found"),
                ("export_rules", {"rule_type": "no_such_type"}, "not found"),
                ("trigger_cron_group", {"group_name": "no such group"}, "not found"),
                ("list_hosts", {"start": -1}, "start"),
                ("list_hosts", {"limit": 0}, "limit"),
                ("list_hosts", {"limit": 1001}, "limit"),
                ("list_hosts", {"cursor": "not-a-cursor"}, "cursor"),
                ("get_recent_logs", {"limit": 0}, "limit"),
                ("upsert_host", {"hostname": "x.example.org", "account": "no-such-account", "labels": {}}, "account"),
                ("upsert_host", {"hostname": "bad name", "account": "csvimport", "labels": {}}, "whitespace"),
                ("create_rule", {"rule_type": "no_such_type", "rule": {}}, "not found"),
                ("import_rules_bulk", {"payload": {"nothing": []}}, "rules"),
                ("import_rules_bulk", {"payload": {"rule_type": "users", "rules": [{"email": "x@example.org"}]}}, "all"),
            ]
            for name, args, needle in cases:
                text = tool_error(await c.call_tool(name, args))
                assert needle in text, (name, args, text)
    run(body)


def test_bad_params_are_invalid_params(demo_db):
    async def body():
        async with connect(demo_db) as c:
            for name, args in [
                ("get_host", {}),
                ("get_host", {"hostname": 42}),
                ("list_hosts", {"limit": "ten"}),
                ("list_hosts", {"unexpected": 1}),
                ("export_all_rules", {"include_hosts": "yes"}),
                ("upsert_host", {"hostname": "h", "account": "csvimport", "labels": ["not", "an", "object"]}),
                ("no_such_tool", {}),
            ]:
                await expect_rpc_error(-32602, c.call_tool(name, args))
    run(body)


def test_permissions_differ_on_purpose(demo_db):
    async def body():
        # A user flagged read-only cannot write through MCP (no write tool is offered to it), but can read.
        async with connect(demo_db, READONLY_MCP_USER, OTHER_PASSWORD) as c:
            error = await expect_rpc_error(-32602, c.call_tool("delete_host", {"hostname": HOST}))
            assert "read-only" in str(error)
            assert "delete_host" not in {t.name for t in (await c.list_tools()).tools}
            structured(await c.call_tool("get_host", {"hostname": HOST}))
        # Holders of `all` see account passwords and may import users.
        async with connect(demo_db, ADMIN_USER, DEMO_PASSWORD) as c:
            account = structured(await c.call_tool("get_account", {"name": "csvimport"}))
            assert account["password"] == "secret-of-csvimport"
    run(body)


def test_read_only_mode(fresh_db):
    async def body():
        async with connect(fresh_db, MCP_USER, DEMO_PASSWORD, "--read-only") as c:
            names = [t.name for t in (await c.list_tools()).tools]
            assert names == [t for t in TOOLS if t not in WRITE_TOOLS]
            for tool in WRITE_TOOLS:
                await expect_rpc_error(-32602, c.call_tool(tool, {}))
            assert structured(await c.call_tool("host_stats", {}))["num_hosts"] == 50
    run(body)


def test_read_only_mode_from_env(fresh_db):
    line = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}) + "\n"
    env = clean_env(fresh_db.parent, CMDBSYNCER_MCP_READ_ONLY="1")
    out = spawn(fresh_db, env=env, input=line.encode())
    names = [t["name"] for t in json.loads(out.stdout)["result"]["tools"]]
    assert len(names) == 10 and not WRITE_TOOLS & set(names)


# MARK: resources and completion


def test_resources(demo_db):
    async def body():
        async with connect(demo_db) as c:
            listed = (await c.list_resources()).resources
            assert [str(r.uri) for r in listed] == ["cmdbsyncer://cron/status"]
            templates = (await c.list_resource_templates()).resource_templates
            assert [t.uri_template for t in templates] == ["cmdbsyncer://hosts/{hostname}", "cmdbsyncer://rules/{rule_type}"]
            host = await c.read_resource(f"cmdbsyncer://hosts/{HOST}")
            assert json.loads(host.contents[0].text)["hostname"] == HOST
            assert host.contents[0].mime_type == "application/json"
            rules = await c.read_resource("cmdbsyncer://rules/cron_groups")
            assert json.loads(rules.contents[0].text)["rule_type"] == "cron_groups"
            cron = await c.read_resource("cmdbsyncer://cron/status")
            assert "groups" in json.loads(cron.contents[0].text)
            for uri in ["cmdbsyncer://hosts/no-such-host", "cmdbsyncer://rules/no_such_type", "cmdbsyncer://other/x"]:
                await expect_rpc_error(-32002, c.read_resource(uri))
    run(body)


def test_completion(demo_db):
    async def body():
        async with connect(demo_db) as c:
            hosts = await c.complete(ResourceTemplateReference(uri="cmdbsyncer://hosts/{hostname}"),
                                     {"name": "hostname", "value": "web-fra"})
            values = hosts.completion.values
            assert values and len(values) <= 100 and all(v.startswith("web-fra") for v in values)
            types = await c.complete(ResourceTemplateReference(uri="cmdbsyncer://rules/{rule_type}"),
                                     {"name": "rule_type", "value": "cmk_s"})
            assert types.completion.values == ["cmk_site_pool", "cmk_site_settings", "cmk_sites"]
            everything = await c.complete(ResourceTemplateReference(uri="cmdbsyncer://hosts/{hostname}"),
                                          {"name": "hostname", "value": ""})
            assert 50 <= len(everything.completion.values) <= 100  # hosts and objects
    run(body)


# MARK: authentication


def assert_refused(out: subprocess.CompletedProcess, needle: str, code: int = 1) -> None:
    assert out.returncode == code, out
    assert out.stdout == b"", out.stdout
    # `--password` on the command line adds its warning (other users can see it in ps).
    lines = [l for l in out.stderr.decode().strip().splitlines() if "--password on the command line" not in l]
    assert len(lines) == 1, lines
    assert needle in lines[0].lower(), lines[0]


PING = (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}) + "\n").encode()


@pytest.mark.parametrize("user,password,needle", [
    (MCP_USER, "wrong-password", "authentication failed"),
    ("nobody@example.org", DEMO_PASSWORD, "authentication failed"),
    (NOROLE_USER, OTHER_PASSWORD, "'mcp'"),
    (VIEWER_USER, DEMO_PASSWORD, "'mcp'"),
    (DISABLED_USER, OTHER_PASSWORD, "authentication failed"),
])
def test_auth_failures_exit_1(demo_db, user, password, needle):
    assert_refused(spawn(demo_db, user=user, password=password, input=PING), needle)


def test_missing_credentials_exit_1(demo_db):
    assert_refused(spawn(demo_db, user=None, password=None, input=PING), "credentials")
    assert_refused(spawn(demo_db, password=None, input=PING), "credentials")


def test_credentials_from_env_and_flags_win(demo_db):
    env = clean_env(demo_db.parent, CMDBSYNCER_API_USER=MCP_USER, CMDBSYNCER_API_PASSWORD=DEMO_PASSWORD)
    ok = spawn(demo_db, user=None, password=None, env=env, input=PING)
    assert ok.returncode == 0 and json.loads(ok.stdout)["result"] == {}
    wrong_env = clean_env(demo_db.parent, CMDBSYNCER_API_USER=MCP_USER, CMDBSYNCER_API_PASSWORD="wrong-password")
    flags = spawn(demo_db, env=wrong_env, input=PING)  # --user/--password are right
    assert flags.returncode == 0 and json.loads(flags.stdout)["id"] == 1
    bad_flags = spawn(demo_db, password="wrong-password", env=env, input=PING)
    assert_refused(bad_flags, "authentication failed")


def test_login_by_name_with_cmdbsyncer_hash(fixture_db):
    """The fixture user from a real CMDBsyncer 4.4 export logs in with its scrypt hash."""
    ok = spawn(fixture_db, user="mcp", password="secret", input=PING)
    assert ok.returncode == 0 and json.loads(ok.stdout)["result"] == {}
    assert_refused(spawn(fixture_db, user="nomcp", password="secret", input=PING), "'mcp'")


def test_a_missing_database_is_named_not_created(tmp_path):
    missing = tmp_path / "typo" / "syncer.sqlite"
    out = spawn(missing, input=PING)
    assert_refused(out, "no database at", code=1)
    assert not missing.exists()


# MARK: raw pipes


def test_empty_object_prints_one_error_line(demo_db):
    out = spawn(demo_db, input=b"{}\n")
    assert out.returncode == 0
    lines = out.stdout.decode().splitlines()
    assert len(lines) == 1
    reply = json.loads(lines[0])
    assert reply["jsonrpc"] == "2.0" and reply["id"] is None and reply["error"]["code"] == -32600


def test_batch_is_rejected(demo_db):
    out = spawn(demo_db, input=b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n')
    reply = json.loads(out.stdout)
    assert reply["error"]["code"] == -32600 and reply["id"] is None


def test_hostile_input_then_ping(demo_db):
    big = b'{"jsonrpc":"2.0","id":"big","method":"ping","params":{"pad":"' + b"x" * (11 * 1024 * 1024) + b'"}}'
    huge = b"y" * (17 * 1024 * 1024)  # beyond the 16 MiB default limit
    payload = b"\n".join([
        b"garbage", b"\xff\xfe\xfd not utf-8", b'{"jsonrpc":"2.0","id":1,"method":"ping","x":"\xc3\x28"}', big, huge,
        b'{"jsonrpc":"2.0","id":"after","method":"ping"}',
    ]) + b"\n"
    out = spawn(demo_db, input=payload, timeout=120)
    assert out.returncode == 0
    replies = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(replies) == 6
    by_id = {json.dumps(r["id"]): r for r in replies if r["id"] is not None}
    assert by_id['"after"']["result"] == {}
    assert by_id['"big"']["result"] == {}  # 11 MB is under the limit: answered
    codes = sorted(r["error"]["code"] for r in replies if "error" in r)
    assert codes == [-32700, -32700, -32700, -32600]


def test_whole_session_stdout_is_json_rpc(demo_db):
    msgs = [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 2, "method": "resources/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "resources/templates/list"},
    ]
    for i, tool in enumerate(TOOLS):
        msgs.append({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call", "params": {"name": tool, "arguments": {}}})
    msgs.append({"jsonrpc": "2.0", "id": 999, "method": "server/discover"})
    payload = "".join(json.dumps(m) + "\n" for m in msgs).encode()
    out = spawn(demo_db, input=payload)
    assert out.returncode == 0
    lines = out.stdout.decode().split("\n")
    assert lines[-1] == ""
    replies = [json.loads(line) for line in lines[:-1]]
    assert all(r["jsonrpc"] == "2.0" for r in replies)
    assert sorted(r["id"] for r in replies) == sorted(m["id"] for m in msgs if "id" in m)
    assert next(r for r in replies if r["id"] == 999)["error"]["code"] == -32601


def test_eof_answers_in_flight_requests(demo_db):
    """Requests written just before stdin closes are all answered."""
    payload = "".join(json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                                  "params": {"name": "list_hosts", "arguments": {"limit": 50}}}) + "\n"
                      for i in range(100)).encode()
    for _ in range(3):
        out = spawn(demo_db, input=payload)
        assert len(out.stdout.decode().splitlines()) == 100


def test_idle_server_uses_no_cpu(demo_db):
    p = server_params(demo_db)
    proc = subprocess.Popen([p.command, *p.args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=p.env)
    try:
        proc.stdin.write(PING)
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["result"] == {}
        with open(f"/proc/{proc.pid}/stat") as f:
            before = sum(int(x) for x in f.read().split(")")[1].split()[11:13])
        time.sleep(1.0)
        with open(f"/proc/{proc.pid}/stat") as f:
            after = sum(int(x) for x in f.read().split(")")[1].split()[11:13])
        assert after - before <= 2  # clock ticks (1/100 s)
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert proc.returncode == 0
