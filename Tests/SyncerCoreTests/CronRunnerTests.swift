import Foundation
import Testing
@testable import SyncerCore

@Suite struct CronScheduleTests {
    @Test func intervalsWindowsAndAges() throws {
        #expect(try CronSchedule.interval("10min") == 600)
        #expect(try CronSchedule.interval("daily") == 86_400)
        #expect(throws: SyncerError.self) { try CronSchedule.interval("fortnightly") }
        #expect(CronSchedule.contains(hour: 3, from: 0, to: 24))
        #expect(CronSchedule.contains(hour: 9, from: 8, to: 18))
        #expect(!CronSchedule.contains(hour: 18, from: 8, to: 18))
        #expect(CronSchedule.contains(hour: 23, from: 22, to: 6) && CronSchedule.contains(hour: 2, from: 22, to: 6))
        #expect(!CronSchedule.contains(hour: 12, from: 22, to: 6))
        #expect(CronSchedule.contains(hour: 12, from: 5, to: 5))
        #expect(try CronSchedule.age("30d") == 30 * 86_400)
        #expect(try CronSchedule.age("90m") == 5400)
        for bad in ["", "d", "30", "-3d", "3y", "abc"] {
            #expect(throws: SyncerError.self) { try CronSchedule.age(bad) }
        }
    }
}

@Suite struct CronRunnerTests {
    static func group(_ name: String, interval: String = "hour", enabled: Bool = true, continueOnError: Bool = false,
                      sort: Int = 0, jobs: [JSONValue]) -> JSONObject {
        ["name": .string(name), "interval": .string(interval), "timerange_from": "0", "timerange_to": "24",
         "jobs": .array(jobs), "enabled": .bool(enabled), "run_once_next": false,
         "continue_on_error": .bool(continueOnError), "sort_field": .int(sort)]
    }

    static func job(_ name: String, _ command: String, _ args: [String] = [], timeout: Int = 300) -> JSONValue {
        .object(["name": .string(name), "command": .string(command), "account": "", "args": .strings(args), "timeout": .int(timeout)])
    }

    /// A jobs folder holding small wrapper scripts (the only programs exec jobs may run).
    static func jobsFolder(_ db: TestDatabase) throws -> String {
        let folder = db.folder.appendingPathComponent("jobs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["echo", "true", "false", "sleep", "sh"] {
            let path = folder.appendingPathComponent(name).path
            try "#!/bin/sh\nexec /bin/\(name) \"$@\"\n".write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        return folder.path
    }

    /// Pass options with the test's jobs and export folders.
    static func options(_ db: TestDatabase, groups: [String]? = nil, stop: CronStopFlag? = nil) throws -> CronPassOptions {
        CronPassOptions(groups: groups, stop: stop, jobsDirectory: try jobsFolder(db), exportDirectory: db.folder.path)
    }

    func add(_ db: TestDatabase, _ doc: JSONObject) throws {
        #expect(try db.syncer.createRule(ofType: "cron_groups", doc, as: admin).status == "imported")
    }

    @Test func aPassRunsDueGroupsInOrderAndRecordsEachRun() throws {
        let db = try TestDatabase()
        try add(db, Self.group("second", sort: 2, jobs: [Self.job("hello", "exec", ["echo", "hello from cron"])]))
        try add(db, Self.group("first", sort: 1, jobs: [
            Self.job("plugin", "checkmk export_hosts"), Self.job("never", "exec", ["true"]),
        ]))
        try add(db, Self.group("off", enabled: false, jobs: [Self.job("x", "exec", ["true"])]))

        let report = try db.syncer.runCronPass(try Self.options(db), as: admin)
        #expect(report.ran.map(\.group) == ["first", "second"])
        let first = report.ran[0], second = report.ran[1]
        #expect(first.status == .failed)
        #expect(first.jobs.map(\.status) == [.failed, .skipped])
        #expect(first.jobs[0].message.contains("unknown command 'checkmk export_hosts'"))
        #expect(second.status == .ok)
        #expect(second.jobs[0].message.contains("hello from cron"))
        #expect(second.nextRun == second.started.addingTimeInterval(3600))

        let status = Dictionary(uniqueKeysWithValues: try db.syncer.cronStatus().map { ($0.name, $0) })
        #expect(status["first"]!.stats.failure && !status["first"]!.stats.isRunning)
        #expect(status["first"]!.stats.lastMessage!.contains("job 'plugin' failed"))
        #expect(!status["second"]!.stats.failure && status["second"]!.stats.lastEnded != nil)
        #expect(status["off"]!.stats.lastStart == nil)
        let logs = try db.syncer.recentLogs(limit: 20).map(\.message)
        #expect(logs.contains("Cron group 'first' failed") && logs.contains("Cron group 'second' finished"))

        // Nothing is due again within the hour; a trigger makes a group due once.
        #expect(try db.syncer.runCronPass(try Self.options(db), as: admin).ran.isEmpty)
        _ = try db.syncer.triggerCronGroup("second", as: admin)
        #expect(try db.syncer.runCronPass(try Self.options(db), as: admin).ran.map(\.group) == ["second"])
        #expect(try db.syncer.cronStatus().first { $0.name == "second" }?.runOnceNext == false)
        #expect(try db.syncer.runCronPass(try Self.options(db), as: admin).ran.isEmpty)
    }

    @Test func namedGroupsRunNowAndMustExistAndBeEnabled() throws {
        let db = try TestDatabase()
        try add(db, Self.group("on", continueOnError: true, jobs: [
            Self.job("fails", "exec", ["false"]), Self.job("runs", "exec", ["echo", "still"]),
        ]))
        try add(db, Self.group("off", enabled: false, jobs: []))
        let run = try db.syncer.runCronPass(try Self.options(db, groups: ["on"]), as: admin).ran[0]
        #expect(run.jobs.map(\.status) == [.failed, .ok])  // continue_on_error
        #expect(run.jobs[0].message.hasPrefix("exit status 1"))
        #expect(try db.syncer.runCronPass(try Self.options(db, groups: ["on"]), as: admin).ran.count == 1)  // due or not
        #expect(throws: SyncerError.notFound(kind: "cron group", name: "nope")) {
            try db.syncer.runCronPass(try Self.options(db, groups: ["nope"]), as: admin)
        }
        #expect(throws: SyncerError.self) { try db.syncer.runCronPass(try Self.options(db, groups: ["off"]), as: admin) }
        #expect(throws: SyncerError.self) { try db.syncer.runCronPass(as: readonlyUser) }
    }

    @Test func cleanupDeletesOnlyStaleHostsInOneLoggedWrite() throws {
        let db = try TestDatabase()
        #expect(try db.syncer.createRule(ofType: "accounts", ["name": "csv", "typ": "csv", "enabled": true], as: admin).status == "imported")
        let real = Date()
        db.syncer.now = { real.addingTimeInterval(-40 * 86_400) }
        for i in 0..<5 { _ = try db.syncer.upsertHost(hostname: "old\(i)", account: "csv", labels: [:], as: admin) }
        db.syncer.now = { real }
        for i in 0..<3 { _ = try db.syncer.upsertHost(hostname: "new\(i)", account: "csv", labels: [:], as: admin) }
        try add(db, Self.group("purge", jobs: [Self.job("stale", "cleanup_stale_hosts", ["30d"])]))
        let run = try db.syncer.runCronPass(try Self.options(db), as: admin).ran[0]
        #expect(run.status == .ok, "\(run.jobs)")
        #expect(run.jobs[0].message == "deleted 5 host(s) not seen for 30d")
        #expect(try db.syncer.hostStats(as: admin).hosts == 3)
        let entry = try db.syncer.recentLogs(limit: 10).first { $0.message.hasPrefix("Deleted 5 host(s)") }
        #expect(Set(entry?.affectedHosts ?? []) == Set((0..<5).map { "old\($0)" }))

        try add(db, Self.group("bad", jobs: [Self.job("stale", "cleanup_stale_hosts", ["soon"])]))
        let bad = try db.syncer.runCronPass(try Self.options(db, groups: ["bad"]), as: admin).ran[0]
        #expect(bad.status == .failed && bad.jobs[0].message.contains("age 'soon'"))
    }

    @Test func exportBundleWritesAFullBackupAtomically() throws {
        let db = try TestDatabase()
        #expect(try db.syncer.createRule(ofType: "accounts", ["name": "csv", "typ": "csv", "enabled": true], as: admin).status == "imported")
        _ = try db.syncer.upsertHost(hostname: "web1", account: "csv", labels: ["os": "linux"], as: admin)
        let target = db.folder.appendingPathComponent("backup.json").path
        try add(db, Self.group("backup", jobs: [Self.job("backup", "export_bundle", ["backup.json"])]))
        let run = try db.syncer.runCronPass(try Self.options(db), as: admin).ran[0]
        #expect(run.status == .ok)
        let bundle = try JSONReader.parse(try Data(contentsOf: URL(fileURLWithPath: target)))
        #expect(bundle["rules"]?["host_objects"]?.arrayValue?.count == 1)
        #expect(bundle["rules"]?["cron_groups"]?.arrayValue?.count == 1)
    }

    @Test func slowCommandsTimeOutAndAStopEndsThePass() throws {
        let db = try TestDatabase()
        try add(db, Self.group("slow", jobs: [Self.job("sleep", "exec", ["sleep", "30"], timeout: 1)]))
        let clock = ContinuousClock()
        let started = clock.now
        let run = try db.syncer.runCronPass(try Self.options(db), as: admin).ran[0]
        #expect(clock.now - started < .seconds(4))
        #expect(run.status == .failed && run.jobs[0].message.hasPrefix("timed out after 1 s"))

        try add(db, Self.group("stoppable", jobs: [Self.job("sleep", "exec", ["sleep", "30"]), Self.job("after", "exec", ["true"])]))
        _ = try db.syncer.triggerCronGroup("stoppable", as: admin)
        let stop = CronStopFlag()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { stop.request() }
        let stopped = try db.syncer.runCronPass(try Self.options(db, groups: ["stoppable"], stop: stop), as: admin).ran[0]
        #expect(stopped.status == .stopped)
        #expect(stopped.jobs.count == 1 && stopped.jobs[0].message.hasPrefix("stopped"))
        let status = try db.syncer.cronStatus().first { $0.name == "stoppable" }!
        #expect(status.runOnceNext && !status.stats.isRunning)  // runs again on the next pass

        // A job that ignores SIGTERM, and its children, are killed after the grace period.
        try add(db, Self.group("stubborn", jobs: [Self.job("trap", "exec", ["sh", "-c", "trap '' TERM; sleep 60; echo survived"], timeout: 1)]))
        let t0 = clock.now
        let stubborn = try db.syncer.runCronPass(try Self.options(db, groups: ["stubborn"]), as: admin).ran[0]
        #expect(clock.now - t0 < .seconds(ExternalCommand.killGrace + 4))
        #expect(stubborn.jobs[0].message.hasPrefix("timed out") && !stubborn.jobs[0].message.contains("survived"))
    }

    @Test func oneRunnerAtATimeAndAbandonedRunsAreRecovered() throws {
        let db = try TestDatabase()
        try add(db, Self.group("g", jobs: []))
        do {
            let held = try CronRunLock(beside: db.path)
            #expect(throws: SyncerError.self) { try db.syncer.runCronPass(try Self.options(db), as: admin) }
            withExtendedLifetime(held) {}
        }

        // A runner that died mid-group left its mark.
        var stats = CronStats(group: "g")
        stats.isRunning = true
        stats.lastStart = Date().addingTimeInterval(-60)
        try db.syncer.store.write { try $0.saveCronStats(stats) }
        let report = try db.syncer.runCronPass(try Self.options(db), as: admin)
        #expect(report.recovered == ["g"])
        #expect(report.ran.map(\.group) == ["g"])
        let after = try db.syncer.cronStatus()[0].stats
        #expect(!after.isRunning && !after.failure)
    }
}
