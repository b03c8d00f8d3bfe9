import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `cron run` should do in one pass.
public struct CronPassOptions: Sendable {
    /// Run exactly these groups now, due or not (nil: every group that is due).
    public var groups: [String]?
    /// Set by a signal handler: the pass ends after the job that is running.
    public var stop: CronStopFlag?
    /// The folder whose programs `exec` jobs may run (`--jobs-dir`); nil: none.
    public var jobsDirectory: String?
    /// The folder `export_bundle` jobs write into (`--export-dir`); nil: none.
    public var exportDirectory: String?

    public static let jobsDirectoryVariable = "CMDBSYNCER_CRON_JOBS_DIR"
    public static let exportDirectoryVariable = "CMDBSYNCER_CRON_EXPORT_DIR"

    public init(groups: [String]? = nil, stop: CronStopFlag? = nil, jobsDirectory: String? = nil, exportDirectory: String? = nil) {
        self.groups = groups; self.stop = stop
        self.jobsDirectory = jobsDirectory; self.exportDirectory = exportDirectory
    }
}

/// One group's run within a pass.
public struct CronGroupRun: JSONRepresentable, Equatable, Sendable {
    public enum Status: String, Sendable { case ok, failed, stopped }
    public var group: String
    public var status: Status
    public var started: Date
    public var ended: Date
    public var nextRun: Date?
    public var jobs: [CronJobOutcome]

    public var json: JSONValue {
        .object([
            "group": .string(group), "status": .string(status.rawValue), "started": .string(ExtendedDate.iso(started)),
            "ended": .string(ExtendedDate.iso(ended)), "next_run": ExtendedDate.iso(nextRun), "jobs": .array(jobs.map(\.json)),
        ])
    }
}

/// The result of `cron run`: the groups that ran, and groups found marked running by a
/// runner that died (they are reset and reported, never left stuck).
public struct CronPassReport: JSONRepresentable, Equatable, Sendable {
    public var ran: [CronGroupRun] = []
    public var recovered: [String] = []

    public var json: JSONValue {
        .object(["ran": .array(ran.map(\.json)), "recovered": .strings(recovered)])
    }
}

/// Only one cron runner works on a database at a time. The lock is an `flock` on a file
/// beside the database, so the kernel releases it when a runner dies, even by SIGKILL;
/// whoever holds it knows any group still marked running was abandoned.
final class CronRunLock {
    private let fd: Int32

    init(beside databasePath: String?) throws {
        guard let databasePath else {
            throw SyncerError.storage("cron run needs a database file to lock beside; this store has none")
        }
        let path = databasePath + ".cron-lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SyncerError.storage("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw SyncerError.busy("another `cron run` is working on this database (it holds \(path)); try again when it ends")
        }
    }

    deinit { close(fd) }  // closing releases the lock
}

extension Syncer {
    /// One cron pass: runs every due group (or the named ones) in `sort_field` order, each
    /// job in turn, recording the group's run state and a log entry per group.
    ///
    /// Each job's writes are their own transactions (an import of hosts, an autorules
    /// pass), so a runner killed mid-pass loses at most the job it was in, and that job
    /// leaves all or nothing. A group's `is_running` mark is committed before its jobs
    /// start; the next runner resets marks left by a dead one.
    public func runCronPass(_ options: CronPassOptions = .init(), as principal: Principal) throws -> CronPassReport {
        try principal.requireWrite("run cron groups")
        let lock = try CronRunLock(beside: store.filePath)
        defer { withExtendedLifetime(lock) {} }

        var report = CronPassReport()
        report.recovered = try recoverAbandonedRuns(as: principal)
        for (group, stats) in try groupsToRun(options) {
            if options.stop?.isRequested == true { break }
            report.ran.append(try run(group, stats: stats, options: options, as: principal))
        }
        return report
    }

    /// Groups marked running while we hold the runner lock were left by a runner that died.
    private func recoverAbandonedRuns(as principal: Principal) throws -> [String] {
        try store.write { w in
            var names: [String] = []
            for var stats in try w.cronStats() where stats.isRunning {
                stats.isRunning = false
                stats.failure = true
                stats.lastEnded = now()
                stats.lastMessage = "interrupted: the cron runner stopped during this run"
                try w.saveCronStats(stats)
                try record(w, principal, "Cron group '\(stats.group)' was interrupted: its runner stopped during the run",
                           details: [.init("ERROR", "the group ran again on the next pass only if due or triggered")], error: true)
                names.append(stats.group)
            }
            return names
        }
    }

    /// The groups of this pass, in order. Named groups must exist and be enabled.
    private func groupsToRun(_ options: CronPassOptions) throws -> [(group: CronGroup, stats: CronStats)] {
        let time = now()
        let all = try store.read { try Self.cronGroups($0) }
            .enumerated()
            .sorted { ($0.element.group.sortField, $0.offset) < ($1.element.group.sortField, $1.offset) }
            .map(\.element)
        if let names = options.groups {
            return try names.map { name in
                guard let entry = all.first(where: { $0.group.name == name }) else {
                    throw SyncerError.notFound(kind: "cron group", name: name)
                }
                guard entry.group.enabled else {
                    throw SyncerError.invalidArgument("cron group '\(name)' is disabled; enable it before running it")
                }
                return entry
            }
        }
        let hour = Calendar.current.component(.hour, from: time)
        return all.filter { group, stats in
            guard group.enabled else { return false }
            if group.runOnceNext { return true }
            let window = CronSchedule.window(of: group)
            guard CronSchedule.contains(hour: hour, from: window.from, to: window.to) else { return false }
            guard let next = stats.nextRun else { return true }
            return next <= time
        }
    }

    private func run(_ group: CronGroup, stats initial: CronStats, options: CronPassOptions, as principal: Principal) throws -> CronGroupRun {
        let started = now()
        var stats = initial
        stats.isRunning = true
        stats.lastStart = started
        try store.write { w in
            try w.saveCronStats(stats)
            try record(w, principal, "Cron group '\(group.name)' started")
        }

        var outcomes: [CronJobOutcome] = []
        var status = CronGroupRun.Status.ok
        // An unreadable interval runs no jobs and is tried again in a day.
        let interval: TimeInterval?
        do { interval = try CronSchedule.interval(group.interval) } catch {
            interval = nil
            outcomes.append(.init(name: "schedule", command: "", status: .failed,
                                  message: "\(error); the jobs were not run, next try in a day"))
            status = .failed
        }
        for job in interval == nil ? [] : group.jobs.map(CronJob.init) {
            if options.stop?.isRequested == true { status = .stopped; break }
            if status == .failed && !group.continueOnError {
                outcomes.append(.init(name: job.name, command: job.command, status: .skipped, message: "an earlier job failed"))
                continue
            }
            guard job.enabled else {
                outcomes.append(.init(name: job.name, command: job.command, status: .skipped, message: "disabled"))
                continue
            }
            let outcome = runJob(job, group: group.name, options: options, as: principal)
            if outcome.status == .failed { status = options.stop?.isRequested == true ? .stopped : .failed }
            outcomes.append(outcome)
        }

        let ended = now()
        stats.isRunning = false
        stats.lastEnded = ended
        stats.failure = status != .ok
        // A stopped group keeps its trigger and schedule: it runs again on the next pass.
        if status != .stopped { stats.nextRun = started.addingTimeInterval(interval ?? CronSchedule.intervals["daily"]!) }
        let problem = outcomes.first { $0.status == .failed }
        stats.lastMessage = switch status {
        case .ok: "ok: \(outcomes.filter { $0.status == .ok }.count) job(s) in \(String(format: "%.1f", ended.timeIntervalSince(started))) s"
        case .failed: "job '\(problem?.name ?? "?")' failed: \(problem?.message ?? "")"
        case .stopped: "stopped before the group finished; it runs again on the next pass"
        }
        let finalStats = stats
        try store.write { w in
            try w.saveCronStats(finalStats)
            // Clear the trigger on the stored document as it is now (it may have been edited meanwhile).
            if status != .stopped, let doc = try w.document(ofType: RuleTypeCatalog.cronGroups, unique: group.name) {
                var current = CronGroup(document: doc)
                if current.runOnceNext, let id = current.id {
                    current.set("run_once_next", false)
                    try w.replaceDocument(ofType: RuleTypeCatalog.cronGroups, id: id, with: current.document)
                }
            }
            let details = outcomes.map { LogEntry.Detail($0.status == .failed ? "ERROR" : "INFO", "\($0.name) (\($0.command)): \($0.status.rawValue): \($0.message)") }
            let headline = status == .ok ? "Cron group '\(group.name)' finished" : "Cron group '\(group.name)' \(status == .failed ? "failed" : "stopped")"
            try record(w, principal, headline, details: details, error: status == .failed)
        }
        return CronGroupRun(group: group.name, status: status, started: started, ended: ended,
                            nextRun: finalStats.nextRun, jobs: outcomes)
    }

    private func runJob(_ job: CronJob, group: String, options: CronPassOptions, as principal: Principal) -> CronJobOutcome {
        func outcome(_ status: CronJobOutcome.Status, _ message: String) -> CronJobOutcome {
            CronJobOutcome(name: job.name, command: job.command, status: status, message: message)
        }
        do {
            guard let command = CronJob.BuiltIn(rawValue: job.command) else {
                let known = CronJob.BuiltIn.allCases.map(\.rawValue).joined(separator: ", ")
                return outcome(.failed, "unknown command '\(job.command)': this syncer runs \(known)")
            }
            switch command {
            case .runAutorules:
                let r = try runAutorules(as: principal)
                return outcome(.ok, "created \(r.created) rule(s), skipped \(r.skipped)")
            case .cleanupStaleHosts:
                guard let age = job.args.first else {
                    throw SyncerError.invalidArgument("cleanup_stale_hosts needs an age argument such as 30d")
                }
                let deleted = try deleteStaleHosts(notSeenFor: try CronSchedule.age(age), as: principal)
                return outcome(.ok, "deleted \(deleted) host(s) not seen for \(age)")
            case .exportBundle:
                let path = try RunnerFolders.exportTarget(job.args.first, in: options.exportDirectory, database: store.filePath)
                let summary = try writeBundle(
                    ExportOptions(includeHosts: true, includeAccounts: true, includeUsers: true, includePasswords: true),
                    to: path, as: principal)
                return outcome(.ok, "wrote \(summary.counts.values.reduce(0, +)) document(s) to \(path)")
            case .exec:
                let program = try RunnerFolders.program(job.args.first, in: options.jobsDirectory)
                var env = environment
                env["CMDBSYNCER_DB"] = store.filePath ?? store.location
                env["CMDBSYNCER_CRON_GROUP"] = group
                env["CMDBSYNCER_ACCOUNT"] = job.account
                let result = try ExternalCommand.run([program] + job.args.dropFirst(), environment: env, timeout: job.timeout,
                                                     stop: options.stop, argv0: job.args.first)
                let output = result.output.isEmpty ? "" : "; output: \(result.output)"
                if result.stopped { return outcome(.failed, "stopped by the runner's shutdown\(output)") }
                if result.timedOut { return outcome(.failed, "timed out after \(Int(job.timeout)) s and was ended\(output)") }
                guard result.status == 0 else { return outcome(.failed, "exit status \(result.status)\(output)") }
                return outcome(.ok, "exit status 0\(output)")
            }
        } catch {
            return outcome(.failed, (error as? SyncerError)?.description ?? "\(error)")
        }
    }

    /// Deletes, in one transaction, every host (not objects) no import has seen for `age`.
    @discardableResult
    public func deleteStaleHosts(notSeenFor age: TimeInterval, as principal: Principal) throws -> Int {
        try principal.requireWrite("delete hosts")
        let cutoff = now().addingTimeInterval(-age)
        return try store.write { w in
            let names = try w.deleteHosts(seenBefore: cutoff)
            if !names.isEmpty {
                try record(w, principal, "Deleted \(names.count) host(s) not seen since \(ExtendedDate.iso(cutoff))",
                           hosts: Array(names.prefix(1000)))
            }
            return names.count
        }
    }
}
