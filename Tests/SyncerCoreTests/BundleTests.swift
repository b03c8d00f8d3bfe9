import Foundation
import Testing
@testable import SyncerCore

@Suite struct BundleTests {
    @Test func theRealCMDBsyncerExportRoundTrips() throws {
        let db = try TestDatabase()
        let original = try fixture()
        let report = try db.syncer.importBundle(file: fixturePath, as: admin)
        #expect(report.imported == ["accounts": 2, "cron_groups": 2, "custom_attributes": 1, "host_objects": 4, "users": 2])
        #expect(report.total == 11)
        let exported = try db.syncer.exportBundle(
            ExportOptions(includeHosts: true, includeAccounts: true, includeUsers: true), as: admin)
        #expect(exported["rules"] == original["rules"])
        // The streamed file export is the same bundle, and byte-identical to CMDBsyncer's
        // layout apart from the export time.
        let out = db.folder.appendingPathComponent("out.json").path
        let summary = try db.syncer.writeBundle(
            ExportOptions(includeHosts: true, includeAccounts: true, includeUsers: true), to: out, as: admin)
        #expect(summary.total == 11)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        let reference = try String(contentsOfFile: fixturePath, encoding: .utf8)
        #expect(written.split(separator: "\n").dropFirst(2) == reference.split(separator: "\n").dropFirst(2))
        #expect(try JSONReader.parse(written)["rules"] == original["rules"])
    }

    @Test func fixtureHostsAndUsersAreUsable() throws {
        let db = try TestDatabase()
        _ = try db.syncer.importBundle(file: fixturePath, as: admin)
        let page = try db.syncer.listHosts(as: admin)
        #expect(page.size == 3)  // app1 is an object
        #expect(page.hosts.first?.summary["last_seen"] == "2026-11-25T06:45:54Z")
        #expect(try db.syncer.authenticate(login: "mcp", password: "secret").email == "mcp@example.org")
        #expect(try db.syncer.cronStatus().map(\.name) == ["nightly", "off"])
        #expect(try db.syncer.triggerCronGroup("off", as: admin).status == "disabled")
    }

    @Test func aBadDocumentInTheMiddleLeavesTheDatabaseAsItWas() throws {
        let db = try TestDatabase()
        _ = try db.syncer.importBundle(file: fixturePath, as: admin)
        let before = try db.syncer.exportBundle(ExportOptions(includeHosts: true, includeAccounts: true, includeUsers: true), as: admin)
        let logsBefore = try db.syncer.recentLogs(limit: 1000).count
        let bundle = try json("""
            {"rules": {
              "custom_attributes": [{"name": "new one", "enabled": true}],
              "host_objects": [{"hostname": "fresh1"}, {"hostname": "fresh2"}, {"hostname": 42}, {"hostname": "fresh3"}],
              "cmk_rules": [{"name": "never"}]
            }}
            """)
        #expect(throws: SyncerError.self) { try db.syncer.importBundle(bundle, as: admin) }
        do {
            _ = try db.syncer.importBundle(bundle, as: admin)
        } catch let error as SyncerError {
            #expect(error.description.contains("host_objects document #3"))
        }
        #expect(try db.syncer.recentLogs(limit: 1000).count == logsBefore)
        let after = try db.syncer.exportBundle(ExportOptions(includeHosts: true, includeAccounts: true, includeUsers: true), as: admin)
        #expect(after["rules"] == before["rules"])
        // The same from a file, streamed.
        let file = db.folder.appendingPathComponent("bad.json")
        try bundle.compactText.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: SyncerError.self) { try db.syncer.importBundle(file: file.path, as: admin) }
        try "{\"rules\": {\"custom_attributes\": [{\"name\": \"x\"}, ".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: SyncerError.self) { try db.syncer.importBundle(file: file.path, as: admin) }
        #expect(try db.syncer.exportRules(ofType: "custom_attributes", as: admin).count == 1)
    }

    @Test func duplicatesAreCountedAndOverrideReplaces() throws {
        let db = try TestDatabase()
        let first = try json(#"{"rule_type":"cmk_rules","rules":[{"_id":{"$oid":"aaaaaaaaaaaaaaaaaaaaaaaa"},"name":"r1","v":1},{"name":"r2","v":1}]}"#)
        #expect(try db.syncer.importBundle(first, as: admin).added == ["cmk_rules": 2])
        // Same id, and same name with another id: both duplicates.
        let again = try json(#"{"rule_type":"cmk_rules","rules":[{"_id":{"$oid":"aaaaaaaaaaaaaaaaaaaaaaaa"},"name":"r1","v":2},{"name":"r2","v":2}]}"#)
        let dup = try db.syncer.importBundle(again, as: admin)
        #expect(dup.duplicates == ["cmk_rules": 2])
        #expect(dup.total == 0)
        #expect(try db.syncer.exportRules(ofType: "cmk_rules", as: admin).map { $0["v"] } == [1, 1])
        let replaced = try db.syncer.importBundle(again, override: true, as: admin)
        #expect(replaced.replaced == ["cmk_rules": 2])
        #expect(replaced.json["imported"] == ["cmk_rules": 2])
        let rules = try db.syncer.exportRules(ofType: "cmk_rules", as: admin)
        #expect(rules.map { $0["v"] } == [2, 2])
        #expect(rules.map { $0["name"] } == ["r1", "r2"])  // positions kept
    }

    @Test func unknownTypesAreReportedNotWritten() throws {
        let db = try TestDatabase()
        let report = try db.syncer.importBundle(try json(#"{"rules":{"made_up":[{"name":"a"},{"name":"b"}],"cmk_tags":[{"name":"t"}]}}"#), as: admin)
        #expect(report.skipped == ["made_up": 2])
        #expect(report.imported == ["cmk_tags": 1])
        #expect(report.json["skipped"] == ["made_up": 2])
        #expect(throws: SyncerError.notFound(kind: "rule type", name: "made_up")) {
            try db.syncer.createRule(ofType: "made_up", ["name": "x"], as: admin)
        }
        #expect(throws: SyncerError.self) { try db.syncer.exportRules(ofType: "made_up", as: admin) }
    }

    @Test func malformedPayloadsAreRefused() throws {
        let db = try TestDatabase()
        for text in [#"[]"#, #"{}"#, #"{"rules": 3}"#, #"{"rules": []}"#, #"{"rules": {"cmk_tags": {}}}"#] {
            #expect(throws: SyncerError.self) { try db.syncer.importBundle(try json(text), as: admin) }
        }
    }

    @Test func createRuleAnswersImportedDuplicateOrInvalid() throws {
        let db = try TestDatabase()
        #expect(try db.syncer.createRule(ofType: "custom_attributes", ["name": "r", "enabled": true], as: mcpUser).status == "imported")
        #expect(try db.syncer.createRule(ofType: "custom_attributes", ["name": "r"], as: mcpUser).status == "duplicate")
        #expect(try db.syncer.createRule(ofType: "custom_attributes", ["name": "r", "x": 1], override: true, as: mcpUser).status == "imported")
        let invalid = try db.syncer.createRule(ofType: "custom_attributes", ["_id": "nope", "name": "q"], as: mcpUser)
        #expect(invalid.status == "invalid")
        #expect(invalid.reason != nil)
        #expect(try db.syncer.createRule(ofType: "cron_groups", ["jobs": []], as: mcpUser).status == "invalid")
        let stored = try db.syncer.exportRules(ofType: "custom_attributes", as: mcpUser)
        #expect(stored.count == 1 && stored[0]["x"] == 1)
        #expect(stored[0].keys.first == "_id")
        #expect(throws: SyncerError.self) { try db.syncer.createRule(ofType: "custom_attributes", ["name": "z"], as: readonlyUser) }
    }

    @Test func importingUsersNeedsTheAllRole() throws {
        let db = try TestDatabase()
        #expect(throws: SyncerError.self) { try db.syncer.importBundle(file: fixturePath, as: mcpUser) }
        #expect(try db.syncer.listUsers().isEmpty)
        #expect(try db.syncer.listHosts(as: admin).size == 0)  // the whole import was refused
        #expect(throws: SyncerError.self) { try db.syncer.createRule(ofType: "users", ["email": "x@y.z"], as: mcpUser) }
        _ = try db.syncer.importBundle(file: fixturePath, as: admin)
        #expect(try db.syncer.listUsers().count == 2)
    }

    @Test func secretsLeaveOnlyToHoldersOfAll() throws {
        let db = try TestDatabase(environment: ["CMDBSYNCER_CRYPTOGRAPHY_KEY": FernetTests.key])
        _ = try db.syncer.importBundle(try json("""
            {"rules": {"accounts": [
              {"name": "cmk", "typ": "cmkv2", "password_crypted": "\(FernetTests.pythonToken)",
               "custom_fields": [{"name": "site", "value": "prod"}]},
              {"name": "plain", "typ": "csv", "password": "from-an-old-bundle"}
            ]}}
            """), as: admin)
        let full = try db.syncer.resolvedAccount(named: "cmk", as: admin, revealPassword: true)
        #expect(full["password"] == "account-pass ä")
        #expect(full["site"] == "prod")
        #expect(full["type"] == "cmkv2")
        #expect(full["password_crypted"] == nil)
        let redacted = try db.syncer.resolvedAccount(named: "cmk", as: mcpUser, revealPassword: true)
        #expect(redacted["password"] == .null)
        #expect(redacted["password_redacted"] == true)
        // A clear-text password in a bundle is stored encrypted.
        let plain = try #require(try db.syncer.exportRules(ofType: "accounts", as: admin).last)
        #expect(plain["password"] == nil)
        #expect(plain["password_crypted"]?.stringValue?.hasPrefix("gAAAAA") == true)
        #expect(try db.syncer.resolvedAccount(named: "plain", as: admin, revealPassword: true)["password"] == "from-an-old-bundle")
        // Exports for non-`all` holders carry neither tokens nor hashes.
        _ = try db.syncer.importBundle(file: fixturePath, as: admin)
        let bundle = try db.syncer.exportBundle(ExportOptions(includeAccounts: true, includeUsers: true), as: mcpUser)
        let text = bundle.compactText
        #expect(!text.contains("gAAAAA"))
        #expect(!text.contains("scrypt:"))
        // Re-importing that redacted export with override keeps the stored secrets.
        _ = try db.syncer.importBundle(bundle, override: true, as: admin)
        #expect(try db.syncer.resolvedAccount(named: "cmk", as: admin, revealPassword: true)["password"] == "account-pass ä")
        #expect(try db.syncer.authenticate(login: "mcp", password: "secret").name == "mcp")
        #expect(throws: SyncerError.notFound(kind: "account", name: "ghost")) { try db.syncer.resolvedAccount(named: "ghost", as: admin, revealPassword: true) }
    }

    @Test func importsCMDBsyncerJSONLines() throws {
        let db = try TestDatabase()
        let file = db.folder.appendingPathComponent("export.jsonl")
        try """
            {"rule_type": "cmk_tags"}
            {"_id": {"$oid": "6b068422b4d63c87219c5c60"}, "name": "t1"}
            {"name": "t2"}
            {"rule_type": "nonsense"}
            {"name": "x"}
            {"rule_type": "cmk_groups"}
            {"name": "g1"}
            """.write(to: file, atomically: true, encoding: .utf8)
        let report = try db.syncer.importBundle(file: file.path, as: admin)
        #expect(report.imported == ["cmk_tags": 2, "cmk_groups": 1])
        #expect(report.skipped == ["nonsense": 1])
    }

    @Test func previewWritesNothing() throws {
        let db = try TestDatabase()
        let preview = try db.syncer.importBundle(file: fixturePath, preview: true, as: admin)
        #expect(preview.total == 11)
        #expect(try db.syncer.isEmpty())
        #expect(try db.syncer.recentLogs().isEmpty)
        #expect(FileManager.default.fileExists(atPath: db.path))
    }

    @Test func exportsStreamManyHostsToAFile() throws {
        let db = try TestDatabase()
        _ = try db.syncer.fillDemo(hosts: 2500, as: admin)
        let out = db.folder.appendingPathComponent("all.json").path
        let summary = try db.syncer.writeBundle(ExportOptions(includeHosts: true), to: out, as: admin)
        #expect(summary.counts["host_objects"] == 2500 + 20)
        let other = try TestDatabase()
        let report = try other.syncer.importBundle(file: out, as: admin)
        #expect(report.imported["host_objects"] == 2520)
        #expect(try other.syncer.listHosts(start: 2499, limit: 5, as: admin).hosts.map(\.hostname)
                == (try db.syncer.listHosts(start: 2499, limit: 5, as: admin).hosts.map(\.hostname)))
    }
}
