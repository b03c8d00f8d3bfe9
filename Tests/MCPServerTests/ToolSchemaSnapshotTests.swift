import Foundation
import MCPServer
import SyncerCore
import Testing

/// Every tool's `tools/list` entry is pinned in `__toolsnaps__/<tool>.json`. A changed
/// name, description, schema or annotation fails here until the snapshot is regenerated
/// on purpose: `UPDATE_TOOLSNAPS=1 swift test --filter MCPServerTests`.
@Suite struct ToolSchemaSnapshotTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__toolsnaps__")
    static let updating = ProcessInfo.processInfo.environment["UPDATE_TOOLSNAPS"] == "1"

    @Test(arguments: ToolTable.all.map(\.name))
    func snapshot(_ name: String) throws {
        let tool = try #require(ToolTable.all.first { $0.name == name })
        let current = tool.descriptor.prettyText + "\n"
        let file = Self.folder.appendingPathComponent("\(name).json")
        if Self.updating {
            try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
            try current.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        guard let stored = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("no snapshot for \(name) at \(file.path); run with UPDATE_TOOLSNAPS=1 to create it")
            return
        }
        #expect(stored == current, "the schema of \(name) changed; if on purpose, regenerate with UPDATE_TOOLSNAPS=1")
    }

    @Test func noStaleSnapshots() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }
        let names = Set(ToolTable.all.map { "\($0.name).json" })
        #expect(Set(files).subtracting(names).isEmpty, "snapshots of tools that no longer exist")
    }

    /// Names, parameters, required sets and defaults as CMDBsyncer 4.4's `tools/list` has
    /// them (our additions: `cursor` on list_hosts).
    static let expected: [(String, [(String, String, JSONValue?)])] = [
        ("list_hosts", [("start", "integer", 0), ("limit", "integer", 100), ("cursor", "string", .null)]),
        ("get_host", [("hostname", "string", nil)]),
        ("upsert_host", [("hostname", "string", nil), ("account", "string", nil), ("labels", "object", nil)]),
        ("delete_host", [("hostname", "string", nil)]),
        ("update_host_inventory", [("hostname", "string", nil), ("key", "string", nil), ("inventory", "object", nil)]),
        ("list_accounts", []),
        ("get_account", [("name", "string", nil)]),
        ("list_rule_types", []),
        ("export_rules", [("rule_type", "string", nil)]),
        ("export_all_rules", [("include_hosts", "boolean", false), ("include_accounts", "boolean", false),
                              ("include_users", "boolean", false), ("include_passwords", "boolean", false)]),
        ("create_rule", [("rule_type", "string", nil), ("rule", "object", nil), ("override", "boolean", false)]),
        ("import_rules_bulk", [("payload", "object", nil), ("override", "boolean", false)]),
        ("run_autorules", [("debug", "boolean", false)]),
        ("get_recent_logs", [("limit", "integer", 100)]),
        ("get_cron_status", []),
        ("trigger_cron_group", [("group_name", "string", nil)]),
        ("host_stats", []),
    ]

    @Test func namesParametersAndDefaultsMatchCMDBsyncer() throws {
        #expect(ToolTable.all.map(\.name) == Self.expected.map(\.0))
        for (name, params) in Self.expected {
            let tool = try #require(ToolTable.all.first { $0.name == name })
            let schema = tool.inputSchema
            #expect(schema["type"] == "object")
            #expect(schema["additionalProperties"] == false)
            let properties = try #require(schema["properties"]?.objectValue)
            #expect(properties.keys == params.map(\.0), "\(name) parameters")
            for (param, type, def) in params {
                #expect(properties[param]?["type"]?.stringValue == type, "\(name).\(param) type")
                let expectedDefault: JSONValue? = (def == nil || def == .null) ? nil : def
                #expect(properties[param]?["default"] == expectedDefault, "\(name).\(param) default")
            }
            let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(required == params.filter { $0.2 == nil }.map(\.0), "\(name) required")
            #expect(tool.outputSchema["type"] == "object", "\(name) outputSchema")
            #expect(!tool.description.isEmpty)
        }
    }
}
