import Foundation
import MCPServer
import SyncerCore
import Testing

@Suite struct AnnotationTests {
    static let writeTools: Set<String> = [
        "upsert_host", "delete_host", "update_host_inventory", "create_rule", "import_rules_bulk", "run_autorules",
        "trigger_cron_group",
    ]

    @Test func everyToolStatesAllFourHints() throws {
        for tool in ToolTable.all {
            let hints = try #require(tool.descriptor["annotations"]?.objectValue, "\(tool.name)")
            for key in ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] {
                #expect(hints[key]?.boolValue != nil, "\(tool.name) lacks \(key)")
            }
            #expect(hints["openWorldHint"] == false, "\(tool.name) reaches only the syncer's own database")
        }
    }

    @Test func readOnlyHintFollowsTheWriteFlag() {
        for tool in ToolTable.all {
            #expect(tool.isWrite == Self.writeTools.contains(tool.name), "\(tool.name) isWrite")
            #expect(tool.annotations.readOnly == !tool.isWrite, "\(tool.name) readOnlyHint")
            if tool.annotations.readOnly {
                #expect(!tool.annotations.destructive && tool.annotations.idempotent, "\(tool.name): readers are harmless")
            }
        }
    }

    @Test func destructiveTools() {
        let destructive = Set(ToolTable.all.filter(\.annotations.destructive).map(\.name))
        #expect(destructive == ["upsert_host", "delete_host", "update_host_inventory", "create_rule", "import_rules_bulk"])
        let notIdempotent = Set(ToolTable.all.filter { !$0.annotations.idempotent }.map(\.name))
        #expect(notIdempotent == ["create_rule", "import_rules_bulk"])
    }
}
