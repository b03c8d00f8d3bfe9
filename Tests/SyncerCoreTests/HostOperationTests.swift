import Foundation
import Testing
@testable import SyncerCore

@Suite struct HostOperationTests {
    func database(hosts: Int = 0) throws -> TestDatabase {
        let db = try TestDatabase()
        try db.syncer.addAccount(name: "csv", type: "csv", as: admin)
        try db.syncer.addAccount(name: "other", type: "csv", as: admin)
        for i in 0..<hosts {
            _ = try db.syncer.upsertHost(hostname: "host\(i)", account: "csv", labels: ["i": .string("\(i)")], as: admin)
        }
        return db
    }

    @Test func upsertCreatesThenUpdatesAndStampsTimes() throws {
        let db = try database()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        db.syncer.now = { start }
        let clock = start
        #expect(try db.syncer.upsertHost(hostname: "srv1", account: "csv", labels: ["os": "linux"], as: mcpUser).status == "saved")
        var host = try db.syncer.host(named: "srv1", as: admin)
        #expect(host.labels == ["os": "linux"])
        #expect(host.sourceAccountName == "csv")
        #expect(host.lastImportSeen == clock)
        #expect(host.lastImportSync == clock)

        let later = start.addingTimeInterval(60)
        db.syncer.now = { later }
        _ = try db.syncer.upsertHost(hostname: "srv1", account: "csv", labels: ["os": "linux"], as: mcpUser)
        host = try db.syncer.host(named: "srv1", as: admin)
        #expect(host.lastImportSeen == later)
        #expect(host.lastImportSync == start)  // labels unchanged: no sync stamp

        _ = try db.syncer.upsertHost(hostname: "srv1", account: "csv", labels: ["os": "bsd"], as: mcpUser)
        #expect(try db.syncer.host(named: "srv1", as: admin).lastImportSync == later)
        #expect(try db.syncer.host(named: "srv1", as: admin).summary["last_seen"] == .string(ExtendedDate.iso(later)))
    }

    @Test func aHostBoundToAnotherAccountIsNotRebound() throws {
        let db = try database()
        _ = try db.syncer.upsertHost(hostname: "srv1", account: "csv", labels: ["a": "1"], as: admin)
        let result = try db.syncer.upsertHost(hostname: "srv1", account: "other", labels: ["a": "2"], as: admin)
        #expect(result == HostWriteResult(status: "account_conflict", hostname: "srv1"))
        let host = try db.syncer.host(named: "srv1", as: admin)
        #expect(host.sourceAccountName == "csv")
        #expect(host.labels == ["a": "1"])
    }

    @Test func badInputIsRefusedAndChangesNothing() throws {
        let db = try database()
        #expect(throws: SyncerError.notFound(kind: "account", name: "nope")) {
            try db.syncer.upsertHost(hostname: "srv1", account: "nope", labels: [:], as: admin)
        }
        #expect(throws: SyncerError.self) { try db.syncer.upsertHost(hostname: "", account: "csv", labels: [:], as: admin) }
        #expect(throws: SyncerError.self) { try db.syncer.upsertHost(hostname: "a b", account: "csv", labels: [:], as: admin) }
        #expect(throws: SyncerError.self) {
            try db.syncer.upsertHost(hostname: "srv1", account: "csv", labels: ["x": ["nested": 1]], as: admin)
        }
        #expect(try db.syncer.listHosts(as: admin).size == 0)
    }

    @Test func readOnlyUsersCannotWrite() throws {
        let db = try database(hosts: 1)
        #expect(throws: SyncerError.self) { try db.syncer.upsertHost(hostname: "x", account: "csv", labels: [:], as: readonlyUser) }
        #expect(throws: SyncerError.self) { try db.syncer.deleteHost(hostname: "host0", as: readonlyUser) }
        #expect(throws: SyncerError.self) {
            try db.syncer.updateHostInventory(hostname: "host0", key: "k", inventory: [:], as: readonlyUser)
        }
        #expect(try db.syncer.listHosts(as: admin).size == 1)
    }

    @Test func listsPagesByOffsetAndCursor() throws {
        let db = try database(hosts: 25)
        let first = try db.syncer.listHosts(start: 0, limit: 10, as: admin)
        #expect(first.size == 25)
        #expect(first.hosts.map(\.hostname) == (0..<10).map { "host\($0)" })
        let byOffset = try db.syncer.listHosts(start: 20, limit: 10, as: admin)
        #expect(byOffset.hosts.map(\.hostname) == (20..<25).map { "host\($0)" })
        #expect(byOffset.nextCursor == nil)
        var names: [String] = []
        var cursor: String?
        repeat {
            let page = try db.syncer.listHosts(limit: 7, cursor: cursor, as: admin)
            names += page.hosts.map(\.hostname)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(names == (0..<25).map { "host\($0)" })
        #expect(throws: SyncerError.self) { try db.syncer.listHosts(start: -1, as: admin) }
        #expect(throws: SyncerError.self) { try db.syncer.listHosts(limit: 0, as: admin) }
        #expect(throws: SyncerError.self) { try db.syncer.listHosts(limit: 1001, as: admin) }
        #expect(throws: SyncerError.self) { try db.syncer.listHosts(cursor: "garbage", as: admin) }
    }

    @Test func objectsAreCountedApartAndLeftOutOfListing() throws {
        let db = try database(hosts: 3)
        _ = try db.syncer.importBundle(try json(#"{"rule_type":"host_objects","rules":[{"hostname":"app1","is_object":true,"object_type":"application"}]}"#), as: admin)
        #expect(try db.syncer.listHosts(as: admin).size == 3)
        #expect(try db.syncer.listHosts(as: admin).hosts.count == 3)
        let stats = try db.syncer.hostStats(as: admin)
        #expect(stats.hosts == 3 && stats.objects == 1)
        _ = try db.syncer.deleteHost(hostname: "host1", as: admin)
        #expect(try db.syncer.hostStats(as: admin).hosts == 2)
    }

    @Test func statsCountHostsNotSeenFor24Hours() throws {
        let db = try database()
        let now = Date()
        db.syncer.now = { now.addingTimeInterval(-30 * 3600) }
        _ = try db.syncer.upsertHost(hostname: "old", account: "csv", labels: [:], as: admin)
        db.syncer.now = { now }
        _ = try db.syncer.upsertHost(hostname: "fresh", account: "csv", labels: [:], as: admin)
        let stats = try db.syncer.hostStats(as: admin)
        #expect(stats.notUpdatedLast24h == 1)
        #expect(stats.json["24h_checkpoint"] == .string(ExtendedDate.iso(now.addingTimeInterval(-86400))))
    }

    @Test func inventorySectionsAreReplacedNotMerged() throws {
        let db = try database(hosts: 1)
        _ = try db.syncer.updateHostInventory(hostname: "host0", key: "cmk", inventory: ["agent": "ok", "site": "a"], as: admin)
        _ = try db.syncer.updateHostInventory(hostname: "host0", key: "hw", inventory: ["cpus": 4], as: admin)
        let result = try db.syncer.updateHostInventory(hostname: "host0", key: "cmk", inventory: ["agent": "down"], as: admin)
        #expect(result.json == ["status": "saved", "hostname": "host0", "key": "cmk"])
        #expect(try db.syncer.host(named: "host0", as: admin).inventory == ["hw__cpus": 4, "cmk__agent": "down"])
        let missing = try db.syncer.updateHostInventory(hostname: "ghost", key: "cmk", inventory: [:], as: admin)
        #expect(missing.status == "not_found")
        #expect(throws: SyncerError.self) { try db.syncer.host(named: "ghost", as: admin) }
    }

    @Test func deleteAnswersNotFoundForUnknownHosts() throws {
        let db = try database(hosts: 1)
        #expect(try db.syncer.deleteHost(hostname: "host0", as: admin).status == "deleted")
        #expect(try db.syncer.deleteHost(hostname: "host0", as: admin).status == "not_found")
    }

    @Test func filtersByHostnameAndLabelsInTheStore() throws {
        let db = try database()
        _ = try db.syncer.upsertHost(hostname: "web1.example.org", account: "csv", labels: ["os": "linux", "env": "prod"], as: admin)
        _ = try db.syncer.upsertHost(hostname: "web2.example.org", account: "csv", labels: ["os": "windows"], as: admin)
        _ = try db.syncer.upsertHost(hostname: "db1.example.org", account: "csv", labels: ["os": "linux"], as: admin)
        func names(_ text: String) throws -> [String] {
            try db.syncer.browseHosts(HostFilter.parse(text), offset: 0, limit: 100).map(\.hostname)
        }
        #expect(try names("web") == ["web1.example.org", "web2.example.org"])
        #expect(try names("WEB os=lin") == ["web1.example.org"])
        #expect(try names("env=") == ["web1.example.org"])
        #expect(try names("100%_") == [])
        #expect(try db.syncer.countHosts(HostFilter.parse("os=linux")) == 2)
        #expect(try db.syncer.hostnames(withPrefix: "web", as: admin) == ["web1.example.org", "web2.example.org"])
    }

    @Test func everyWriteIsLoggedWithTheActingUser() throws {
        let db = try database()
        _ = try db.syncer.upsertHost(hostname: "srv1", account: "csv", labels: [:], as: mcpUser)
        _ = try db.syncer.deleteHost(hostname: "srv1", as: mcpUser)
        let logs = try db.syncer.recentLogs(limit: 2)
        #expect(logs.map(\.message) == ["Deleted host srv1", "Created host srv1 (account csv)"])
        #expect(logs.allSatisfy { $0.user == "mcp@example.org" && $0.source == "mcp" })
        #expect(logs[0].summary["details"]?.arrayValue?.first == ["name": "user", "message": "mcp@example.org"])
        #expect(throws: SyncerError.self) { try db.syncer.recentLogs(limit: 0) }
    }
}
