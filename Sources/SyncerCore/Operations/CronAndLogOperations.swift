import Foundation

/// A cron group as `get_cron_status` and the console show it: configuration and run state.
public struct CronGroupStatus: JSONRepresentable, Equatable, Sendable {
    public var name: String
    public var interval: String
    public var enabled: Bool
    public var runOnceNext: Bool
    public var stats: CronStats

    public var json: JSONValue {
        .object([
            "name": .string(name), "last_start": ExtendedDate.iso(stats.lastStart), "next_run": ExtendedDate.iso(stats.nextRun),
            "is_running": .bool(stats.isRunning), "last_message": .string(stats.lastMessage), "has_error": .bool(stats.failure),
            "interval": .string(interval), "enabled": .bool(enabled), "run_once_next": .bool(runOnceNext),
        ])
    }
}

public struct TriggerResult: JSONRepresentable, Equatable, Sendable {
    public var status: String
    public var group: String
    public var json: JSONValue { .object(["status": .string(status), "group": .string(group)]) }
}

extension Syncer {
    /// Every cron group with its last run, in configuration order.
    public func cronStatus() throws -> [CronGroupStatus] {
        try store.read { r in
            try Self.cronGroups(r).map { group, stats in
                CronGroupStatus(name: group.name, interval: group.interval, enabled: group.enabled,
                                runOnceNext: group.runOnceNext, stats: stats)
            }
        }
    }

    /// Every cron group in configuration order with its run state (empty before its first run).
    static func cronGroups(_ r: any StoreReading) throws -> [(group: CronGroup, stats: CronStats)] {
        let stats = Dictionary(try r.cronStats().map { ($0.group, $0) }, uniquingKeysWith: { a, _ in a })
        return try r.documents(ofType: RuleTypeCatalog.cronGroups, afterSeq: 0, limit: Int.max).map {
            let group = CronGroup(document: $0.document)
            return (group, stats[group.name] ?? CronStats(group: group.name))
        }
    }

    /// Marks a group to run on the next cron pass; a disabled group is left alone.
    public func triggerCronGroup(_ name: String, as principal: Principal) throws -> TriggerResult {
        try principal.requireWrite("trigger cron groups")
        return try store.write { w in
            guard let doc = try w.document(ofType: RuleTypeCatalog.cronGroups, unique: name) else {
                throw SyncerError.notFound(kind: "cron group", name: name)
            }
            var group = CronGroup(document: doc)
            guard group.enabled else { return TriggerResult(status: "disabled", group: name) }
            group.set("run_once_next", true)
            try w.replaceDocument(ofType: RuleTypeCatalog.cronGroups, id: group.id!, with: group.document)
            try record(w, principal, "Triggered cron group \(name) for the next run")
            return TriggerResult(status: "triggered", group: name)
        }
    }

    /// The newest log entries first. `before` pages further back (an entry's position).
    public func recentLogs(limit: Int = 100) throws -> [LogEntry] {
        try Self.checkLimit(limit)
        return try store.read { try $0.logs(limit: limit, beforeSeq: nil).map(\.entry) }
    }

    /// Log entries with their positions, for paging back through history in the console.
    public func logPage(before position: Int64?, limit: Int) throws -> [(position: Int64, entry: LogEntry)] {
        try store.read { try $0.logs(limit: max(1, limit), beforeSeq: position).map { ($0.seq, $0.entry) } }
    }

    /// Appends a log entry (messages from the console or cron that are not part of a write).
    public func log(_ message: String, details: [LogEntry.Detail] = [], error: Bool = false, as principal: Principal) throws {
        try store.write { w in try record(w, principal, message, details: details, error: error) }
    }
}
