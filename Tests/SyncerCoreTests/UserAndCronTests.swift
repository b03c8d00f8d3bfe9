import Foundation
import Testing
@testable import SyncerCore

@Suite struct UserTests {
    @Test func addGrantRevokeAndAuthenticate() throws {
        let db = try TestDatabase()
        let user = try db.syncer.addUser(email: "ops@example.org", password: "long enough", apiRoles: [.objects], as: admin)
        #expect(user.name == "ops")
        #expect(user.passwordHash?.hasPrefix("scrypt:32768:8:1$") == true)
        #expect(throws: SyncerError.alreadyExists(kind: "user", name: "ops@example.org")) {
            try db.syncer.addUser(email: "ops@example.org", password: "long enough", as: admin)
        }
        // Without mcp or all, the MCP login is refused exactly as a wrong password is.
        #expect(throws: Syncer.loginRefused(requiring: [.mcp])) {
            try db.syncer.authenticate(login: "ops", password: "long enough")
        }
        try db.syncer.grant([.mcp, .mcp, .rules], to: "ops@example.org", as: admin)
        #expect(try db.syncer.user(email: "ops@example.org").apiRoles == [.objects, .mcp, .rules])
        #expect(try db.syncer.authenticate(login: "ops@example.org", password: "long enough").email == "ops@example.org")
        #expect(throws: SyncerError.authenticationFailed("invalid credentials, or the user has no 'mcp' or 'all' API role")) {
            try db.syncer.authenticate(login: "ops", password: "wrong password")
        }
        try db.syncer.revoke([.mcp], from: "ops@example.org", as: admin)
        #expect(try db.syncer.user(email: "ops@example.org").apiRoles == [.objects, .rules])
        #expect(try db.syncer.user(email: "ops@example.org").listEntry["api_roles"] == ["objects", "rules"])
    }

    @Test func disabledUsersCannotLogIn() throws {
        let db = try TestDatabase()
        try db.syncer.addUser(email: "a@example.org", password: "password1", apiRoles: [.all], as: admin)
        try db.syncer.setDisabled(true, for: "a@example.org", as: admin)
        #expect(throws: SyncerError.self) { try db.syncer.authenticate(login: "a@example.org", password: "password1") }
        try db.syncer.setDisabled(false, for: "a@example.org", as: admin)
        #expect(try db.syncer.authenticate(login: "a@example.org", password: "password1").holds(.mcp))
    }

    @Test func passwordsAndFlags() throws {
        let db = try TestDatabase()
        try db.syncer.addUser(email: "a@example.org", password: "password1", apiRoles: [.mcp], as: admin)
        try db.syncer.setPassword("password2", for: "a@example.org", as: admin)
        #expect(throws: SyncerError.self) { try db.syncer.authenticate(login: "a@example.org", password: "password1") }
        #expect(try db.syncer.authenticate(login: "a@example.org", password: "password2").email == "a@example.org")
        #expect(throws: SyncerError.self) { try db.syncer.setPassword("short", for: "a@example.org", as: admin) }
        try db.syncer.setReadonly(true, for: "a@example.org", as: admin)
        let user = try db.syncer.user(email: "a@example.org")
        #expect(user.readonly)
        #expect(Principal(user: user, source: "mcp").readonly)
        #expect(throws: SyncerError.notFound(kind: "user", name: "b@example.org")) {
            try db.syncer.grant([.mcp], to: "b@example.org", as: admin)
        }
        #expect(throws: SyncerError.self) { try db.syncer.addUser(email: "not-an-email", password: "password1", as: admin) }
        #expect(throws: SyncerError.self) { try APIRole.parse("root") }
        #expect(try db.syncer.recentLogs(limit: 10).first?.message == "Set read-only (user a@example.org)")
    }
}

@Suite struct CronAndAutoruleTests {
    @Test func triggeringMarksTheGroupAndUnknownGroupsFail() throws {
        let db = try TestDatabase()
        _ = try db.syncer.fillDemo(hosts: 10, as: admin)
        let status = try db.syncer.cronStatus()
        #expect(status.map(\.name) == ["nightly", "hourly import", "checkmk export"])
        #expect(status[1].stats.failure)
        #expect(status[1].json["has_error"] == true)
        #expect(try db.syncer.triggerCronGroup("nightly", as: mcpUser).json == ["status": "triggered", "group": "nightly"])
        #expect(try db.syncer.cronStatus()[0].runOnceNext)
        #expect(try db.syncer.triggerCronGroup("checkmk export", as: mcpUser).status == "disabled")
        #expect(throws: SyncerError.notFound(kind: "cron group", name: "nope")) { try db.syncer.triggerCronGroup("nope", as: mcpUser) }
        #expect(throws: SyncerError.self) { try db.syncer.triggerCronGroup("nightly", as: readonlyUser) }
    }

    @Test func autorulesRenderOneRulePerNameFromHostData() throws {
        let db = try TestDatabase()
        _ = try db.syncer.fillDemo(hosts: 60, as: admin)  // one automation: a folder rule per cmk__site
        let debug = try db.syncer.runAutorules(debug: true, as: readonlyUser)
        #expect(debug.wouldCreate?.count == DemoData.sites.count)
        #expect(debug.created == 0)
        #expect(try db.syncer.exportRules(ofType: "cmk_rules", as: admin).count == 1)
        let run = try db.syncer.runAutorules(as: admin)
        #expect(run.created == DemoData.sites.count)
        #expect(run.skipped == 60 - DemoData.sites.count)
        #expect(run.json["status"] == "ok")
        let names = try db.syncer.exportRules(ofType: "cmk_rules", as: admin).compactMap { $0["name"]?.stringValue }
        #expect(names.contains("site folder fra"))
        // A second pass finds every name taken.
        let again = try db.syncer.runAutorules(as: admin)
        #expect(again.created == 0 && again.skipped == 60)
        #expect(throws: SyncerError.self) { try db.syncer.runAutorules(as: readonlyUser) }
    }

    @Test func brokenTemplatesAreReportedNotFatal() throws {
        let db = try TestDatabase()
        try db.syncer.addAccount(name: "csv", type: "csv", as: admin)
        _ = try db.syncer.upsertHost(hostname: "h1", account: "csv", labels: ["os": "linux"], as: admin)
        _ = try db.syncer.createRule(ofType: "syncer_rule_automation", [
            "name": "bad", "rule_type": "cmk_rules", "rule_body": "not json {{ os }}", "enabled": true,
        ], as: admin)
        let report = try db.syncer.runAutorules(as: admin)
        #expect(report.created == 0 && report.skipped == 1)
        #expect(report.problems.first?.contains("not JSON") == true)
    }
}

@Suite struct ConcurrencyTests {
    /// Two independent connection pools on one file behave like two processes: no write
    /// may be lost and no "database is locked" may surface.
    @Test func twoWritersOnOneFileLoseNothing() throws {
        let db = try TestDatabase()
        try db.syncer.addAccount(name: "csv", type: "csv", as: admin)
        try db.syncer.addUser(email: "u@example.org", password: "password1", as: admin)
        let other = try db.reopen()
        let writers = [db.syncer, other]
        let errors = NSLock()
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 2) { w in
            let syncer = writers[w]
            for i in 0..<150 {
                do {
                    _ = try syncer.upsertHost(hostname: "w\(w)-\(i)", account: "csv", labels: ["i": .int(Int64(i))], as: admin)
                    // Read-modify-write of one shared document from both sides.
                    if i % 10 == 0 {
                        try syncer.grant([w == 0 ? .ansible : .metrics], to: "u@example.org", as: admin)
                        try syncer.revoke([w == 0 ? .ansible : .metrics], from: "u@example.org", as: admin)
                        try syncer.grant([w == 0 ? .objects : .syncer], to: "u@example.org", as: admin)
                    }
                } catch {
                    errors.lock(); failures.append("\(error)"); errors.unlock()
                }
            }
        }
        #expect(failures.isEmpty)
        #expect(try db.syncer.listHosts(as: admin).size == 300)
        #expect(Set(try db.syncer.user(email: "u@example.org").apiRoles) == [.objects, .syncer])
        #expect(try db.syncer.recentLogs(limit: 1000).count == 2 + 300 + 2 * 15 * 3)
    }
}

@Suite struct InterruptTests {
    /// The console's Esc on a running import: the store stops it, the transaction rolls back.
    @Test func anInterruptedImportWritesNothing() throws {
        let db = try TestDatabase()
        let docs = (0..<40_000).map { i -> JSONValue in ["hostname": .string("bulk-\(i)"), "labels": ["i": .int(Int64(i))]] }
        let file = db.folder.appendingPathComponent("big.json")
        try JSONValue.object(["rules": .object(["host_objects": .array(docs)])]).compactText
            .write(to: file, atomically: true, encoding: .utf8)
        let done = DispatchSemaphore(value: 0)
        var outcome: Result<ImportReport, Error>?
        Thread.detachNewThread {
            outcome = Result { try db.syncer.importBundle(file: file.path, as: admin) }
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.05)
        while done.wait(timeout: .now() + .milliseconds(5)) == .timedOut { db.syncer.interruptRunningWork() }
        #expect(throws: SyncerError.interrupted) { try outcome!.get() }
        #expect(try db.syncer.listHosts(as: admin).size == 0)
        #expect(try db.syncer.recentLogs().isEmpty)
        // The store works normally afterwards.
        #expect(try db.syncer.importBundle(try json(#"{"rule_type":"cmk_tags","rules":[{"name":"t"}]}"#), as: admin).total == 1)
    }
}
