import Foundation
import MCPServer
import SyncerCore
import Testing

/// Every tool's success path through the core: result shapes, structuredContent equal to
/// the text content, and the permission rules that differ from CMDBsyncer on purpose.
@Suite struct ToolBehaviourTests {
    let f: Fixture
    init() throws { f = try Fixture() }

    /// Calls a tool that must succeed; checks text == structuredContent; returns the latter.
    func ok(_ tool: String, _ args: JSONObject = [:], as principal: Principal = Fixture.mcp) async throws -> JSONValue {
        let result = try await f.call(tool, args, as: principal)
        #expect(result["isError"] == false, "\(tool) → \(result.compactText)")
        let structured = try #require(result["structuredContent"], "\(tool) → \(result.compactText)")
        #expect(try JSONReader.parse(try #require(result.text)) == structured)
        return structured
    }

    @Test func listHostsPagesByOffsetAndCursor() async throws {
        let first = try await ok("list_hosts", ["limit": 20])
        #expect(first["results"]?.arrayValue?.count == 20)
        #expect(first["start"] == 0 && first["limit"] == 20 && first["size"] == 50)
        let host = try #require(first["results"]?.arrayValue?.first?.objectValue)
        #expect(host.keys == ["hostname", "labels", "inventory", "last_seen", "last_update"])
        var seen = first["results"]!.arrayValue!.map { $0["hostname"]!.stringValue! }
        var cursor = first["nextCursor"]?.stringValue
        while let c = cursor {
            let page = try await ok("list_hosts", ["limit": 20, "cursor": .string(c)])
            seen += page["results"]!.arrayValue!.map { $0["hostname"]!.stringValue! }
            cursor = page["nextCursor"]?.stringValue
        }
        #expect(seen.count == 50 && Set(seen).count == 50)
        let offset = try await ok("list_hosts", ["start": 40])
        #expect(offset["results"]?.arrayValue?.count == 10)
        #expect(offset["nextCursor"] == nil)
    }

    @Test func hostLifecycle() async throws {
        let name = "mcp-test-01.example.org"
        #expect(try await ok("upsert_host", ["hostname": .string(name), "account": "csvimport", "labels": ["env": "test", "n": 3]])
                == ["status": "saved", "hostname": .string(name)])
        let host = try await ok("get_host", ["hostname": .string(name)])
        #expect(host["labels"] == ["env": "test", "n": 3])
        #expect(try await ok("upsert_host", ["hostname": .string(name), "account": "netbox", "labels": [:]])["status"]
                == "account_conflict")
        #expect(try await ok("update_host_inventory", ["hostname": .string(name), "key": "os", "inventory": ["name": "debian"]])
                == ["status": "saved", "hostname": .string(name), "key": "os"])
        #expect(try await ok("get_host", ["hostname": .string(name)])["inventory"]?["os__name"] == "debian")
        #expect(try await ok("update_host_inventory", ["hostname": "ghost", "key": "os", "inventory": [:]])["status"] == "not_found")
        #expect(try await ok("delete_host", ["hostname": .string(name)]) == ["status": "deleted", "hostname": .string(name)])
        #expect(try await ok("delete_host", ["hostname": .string(name)])["status"] == "not_found")
        // Unknown account: a tool failure.
        #expect(try await f.call("upsert_host", ["hostname": "x", "account": "nope", "labels": [:]]).isToolError)
        // The writes were logged with the acting user.
        let logs = try await ok("get_recent_logs", ["limit": 3])
        #expect(logs["logs"]?.arrayValue?.first?["source"] == "mcp")
        #expect(logs["logs"]?.arrayValue?.first?["details"]?.arrayValue?.first?["message"] == "mcp@example.org")
    }

    @Test func accountsAndRedaction() async throws {
        let list = try await ok("list_accounts")
        #expect(list["accounts"]?.arrayValue?.map { $0["name"]!.stringValue! }.contains("csvimport") == true)
        let redacted = try await ok("get_account", ["name": "csvimport"])
        #expect(redacted["password"] == .null && redacted["password_redacted"] == true)
        let clear = try await ok("get_account", ["name": "csvimport"], as: Fixture.admin)
        #expect(clear["password"] == "secret-of-csvimport")
    }

    @Test func rulesExportAndImport() async throws {
        let types = try await ok("list_rule_types")
        #expect(types["rule_types"]?.arrayValue?.count == RuleTypeCatalog.all.count)
        let export = try await ok("export_rules", ["rule_type": "cron_groups"])
        #expect(export["rule_type"] == "cron_groups")
        let bundle = try await ok("export_all_rules")
        #expect(bundle["rules"]?["host_objects"] == nil)
        #expect(bundle["exported_at"]?.stringValue?.hasSuffix("Z") == true)
        let withHosts = try await ok("export_all_rules", ["include_hosts": true, "include_users": true])
        #expect(withHosts["rules"]?["host_objects"]?.arrayValue?.isEmpty == false)
        #expect(withHosts["rules"]?["users"]?.arrayValue?.first?["pwdhash"] == .null)

        let rule: JSONObject = ["name": "mcp test rule", "conditions": [], "outcomes": []]
        #expect(try await ok("create_rule", ["rule_type": "cmk_rules", "rule": .object(rule)])
                == ["rule_type": "cmk_rules", "status": "imported"])
        #expect(try await ok("create_rule", ["rule_type": "cmk_rules", "rule": .object(rule)])["status"] == "duplicate")
        #expect(try await ok("create_rule", ["rule_type": "cmk_rules", "rule": .object(rule), "override": true])["status"] == "imported")
        #expect(try await f.call("create_rule", ["rule_type": "nope", "rule": [:]]).isToolError)

        let report = try await ok("import_rules_bulk", ["payload": ["rules": [
            "cmk_groups": [["name": "bulk group 1"], ["name": "bulk group 2"]], "martian_rules": [["name": "x"]],
        ]]])
        #expect(report["imported"] == ["cmk_groups": 2] && report["total"] == 2)
        #expect(report["skipped"] == ["martian_rules": 1])
        let single = try await ok("import_rules_bulk", ["payload": ["rule_type": "cmk_groups", "rules": [["name": "bulk group 3"]]]])
        #expect(single["total"] == 1)
        #expect(try await f.call("import_rules_bulk", ["payload": ["nothing": 1]]).isToolError)
    }

    @Test func importingUsersNeedsAll() async throws {
        let payload: JSONObject = ["rule_type": "users", "rules": [["email": "evil@example.org", "global_admin": true]]]
        let refused = try await f.call("import_rules_bulk", ["payload": .object(payload)])
        #expect(refused.isToolError)
        #expect(refused.text?.contains("all") == true)
        #expect(try await f.call("create_rule", ["rule_type": "users", "rule": ["email": "evil@example.org"]]).isToolError)
    }

    @Test func readOnlyUserCannotWrite() async throws {
        // Write tools are not offered to a read-only user: calling one is an unknown tool.
        let result = try await f.call("delete_host", ["hostname": "web-fra-00000.example.org"], as: Fixture.viewer)
        #expect(result.errorCode == -32602)
        #expect(result["error"]?["message"]?.stringValue?.contains("read-only") == true)
        // Reading still works.
        _ = try await ok("get_host", ["hostname": "web-fra-00000.example.org"], as: Fixture.viewer)
    }

    @Test func syncerTools() async throws {
        let cron = try await ok("get_cron_status")
        let group = try #require(cron["groups"]?.arrayValue?.first?["name"]?.stringValue)
        let triggered = try await ok("trigger_cron_group", ["group_name": .string(group)])
        #expect(triggered["group"] == .string(group))
        #expect(["triggered", "disabled"].contains(triggered["status"]?.stringValue))
        let stats = try await ok("host_stats")
        #expect(stats["num_hosts"] == 50)
        #expect(stats.objectValue?.keys == ["24h_checkpoint", "num_hosts", "num_objects", "not_updated_last_24h"])
        let dry = try await ok("run_autorules", ["debug": true])
        #expect(dry["status"] == "ok" && dry["created"] == 0 && dry["would_create"]?.arrayValue != nil)
        let run = try await ok("run_autorules")
        #expect(run["created"]?.intValue == Int64(dry["would_create"]!.arrayValue!.count))
        #expect(try await ok("run_autorules")["created"] == 0)
    }

    @Test func resourcesAndCompletion() async throws {
        let list = try await f.request("resources/list")
        #expect(list["result"]?["resources"]?.arrayValue?.first?["uri"] == "cmdbsyncer://cron/status")
        let templates = try await f.request("resources/templates/list")
        #expect(templates["result"]?["resourceTemplates"]?.arrayValue?.map { $0["uriTemplate"]!.stringValue! }
                == ["cmdbsyncer://hosts/{hostname}", "cmdbsyncer://rules/{rule_type}"])
        let host = try await f.request("resources/read", ["uri": "cmdbsyncer://hosts/web-fra-00000.example.org"])
        let content = try #require(host["result"]?["contents"]?.arrayValue?.first)
        #expect(content["mimeType"] == "application/json")
        #expect(try JSONReader.parse(content["text"]!.stringValue!)["hostname"] == "web-fra-00000.example.org")
        let rules = try await f.request("resources/read", ["uri": "cmdbsyncer://rules/cron_groups"])
        #expect(rules["result"]?["contents"]?.arrayValue?.count == 1)
        let cron = try await f.request("resources/read", ["uri": "cmdbsyncer://cron/status"])
        #expect(cron["result"]?["contents"] != nil)

        let hosts = try await f.request("completion/complete", [
            "ref": ["type": "ref/resource", "uri": "cmdbsyncer://hosts/{hostname}"], "argument": ["name": "hostname", "value": "web-"],
        ])
        let values = try #require(hosts["result"]?["completion"]?["values"]?.arrayValue)
        #expect(!values.isEmpty && values.count <= 100)
        #expect(values.allSatisfy { $0.stringValue!.hasPrefix("web-") })
        let types = try await f.request("completion/complete", [
            "ref": ["type": "ref/resource", "uri": "cmdbsyncer://rules/{rule_type}"], "argument": ["name": "rule_type", "value": "cmk_s"],
        ])
        #expect(types["result"]?["completion"]?["values"] == ["cmk_site_pool", "cmk_site_settings", "cmk_sites"])
        let prompt = try await f.request("completion/complete", [
            "ref": ["type": "ref/prompt", "name": "x"], "argument": ["name": "a", "value": ""],
        ])
        #expect(prompt.errorCode == -32602)
    }

    @Test func completionCapsAtHundred() async throws {
        let big = try Fixture(hosts: 300)
        let reply = try await big.request("completion/complete", [
            "ref": ["type": "ref/resource", "uri": "cmdbsyncer://hosts/{hostname}"], "argument": ["name": "hostname", "value": ""],
        ])
        #expect(reply["result"]?["completion"]?["values"]?.arrayValue?.count == 100)
        #expect(reply["result"]?["completion"]?["hasMore"] == true)
    }
}

@Suite struct ReadOnlyModeTests {
    @Test func writeToolsAreNotRegistered() async throws {
        let f = try Fixture(readOnly: true)
        let list = try await f.request("tools/list")
        let names = Set(try #require(list["result"]?["tools"]?.arrayValue).map { $0["name"]!.stringValue! })
        #expect(names == Set(ToolTable.all.filter { !$0.isWrite }.map(\.name)))
        #expect(names.count == 10)
        for tool in AnnotationTests.writeTools {
            let reply = try await f.request("tools/call", ["name": .string(tool), "arguments": [:]], as: Fixture.admin)
            #expect(reply.errorCode == -32602, "\(tool) must be an unknown tool in read-only mode")
        }
        // Nothing was written.
        #expect(try f.syncer.hostStats(as: Fixture.admin).hosts == 50)
        let stats = try await f.call("host_stats")
        #expect(stats["isError"] == false)
    }

    @Test func defaultModeListsAllSeventeen() async throws {
        let f = try Fixture()
        let list = try await f.request("tools/list")
        let tools = try #require(list["result"]?["tools"]?.arrayValue)
        #expect(tools.count == 17)
        for tool in tools {
            #expect(tool["inputSchema"]?["type"] == "object")
            #expect(tool["outputSchema"]?["type"] == "object")
            #expect(tool["annotations"]?["readOnlyHint"]?.boolValue != nil)
        }
    }
}
