import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode through a GRDB `DatabasePool`.
///
/// WAL lets the console, the MCP server and cron read while one of them writes. Writes
/// open IMMEDIATE transactions and wait on a busy timeout, so two processes writing the
/// same file queue up instead of failing with "database is locked" or losing an update
/// (every read-modify-write happens inside the write transaction).
public final class SQLiteStore: SyncerStore, @unchecked Sendable {
    public let location: String
    public var filePath: String? { location }
    private let pool: DatabasePool

    /// How long a writer waits for another process's transaction before giving up.
    public static let busyTimeout: TimeInterval = 30

    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        location = url.path
        try DatabaseFile.prepare(at: location)
        var config = Configuration()
        config.busyMode = .timeout(Self.busyTimeout)
        config.label = "syncer"
        config.prepareDatabase { db in
            // NORMAL is durable against a killed process in WAL mode (only power loss can
            // drop the last commits) and keeps bulk imports fast.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The one writer connection gets a larger page cache, so a bulk import does not
            // spill dirty pages into the WAL before it commits. Readers keep SQLite's
            // default (2 MB each), which keeps the console small.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -65536") }
        }
        do {
            pool = try DatabasePool(path: location, configuration: config)
            try Self.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw SyncerError.storage("cannot open \(location): \(error.message ?? error.description)")
        }
    }

    public func read<T>(_ body: (any StoreReading) throws -> T) throws -> T {
        try mapErrors { try pool.read { db in try body(SQLiteAccess(db: db)) } }
    }

    public func write<T>(_ body: (any StoreWriting) throws -> T) throws -> T {
        try mapErrors { try pool.write { db in try body(SQLiteAccess(db: db)) } }
    }

    public func interrupt() { pool.interrupt() }

    /// Checks the file for corruption (`PRAGMA integrity_check`); "ok" when sound.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(try db.cachedStatement(sql: "PRAGMA integrity_check")) ?? "no answer" }
    }

    private func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw SyncerError.interrupted
        } catch let error as DatabaseError {
            throw SyncerError.storage("\(location): \(error.message ?? error.description)")
        }
    }

    // MARK: Schema

    /// Migrations run on every open; applied ones are skipped (GRDB records them).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE hosts (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    oid TEXT NOT NULL UNIQUE,
                    hostname TEXT NOT NULL UNIQUE,
                    is_object INTEGER NOT NULL DEFAULT 0,
                    object_type TEXT NOT NULL DEFAULT 'auto',
                    account_name TEXT,
                    last_seen INTEGER,
                    doc TEXT NOT NULL
                );
                -- list_hosts pages non-objects in insertion order; host_stats counts stale ones.
                CREATE INDEX hosts_paging ON hosts(is_object, seq);
                CREATE INDEX hosts_stale ON hosts(is_object, last_seen);
                CREATE INDEX hosts_type ON hosts(object_type);

                -- COUNT(*) over a million index entries costs milliseconds on every
                -- list_hosts call; triggers keep the two totals current instead.
                CREATE TABLE host_counts (is_object INTEGER PRIMARY KEY, n INTEGER NOT NULL);
                INSERT INTO host_counts VALUES (0, 0), (1, 0);
                CREATE TRIGGER hosts_count_insert AFTER INSERT ON hosts WHEN NEW.object_type <> 'template' BEGIN
                    UPDATE host_counts SET n = n + 1 WHERE is_object = (NEW.is_object <> 0);
                END;
                CREATE TRIGGER hosts_count_delete AFTER DELETE ON hosts WHEN OLD.object_type <> 'template' BEGIN
                    UPDATE host_counts SET n = n - 1 WHERE is_object = (OLD.is_object <> 0);
                END;
                CREATE TRIGGER hosts_count_update AFTER UPDATE OF is_object, object_type ON hosts BEGIN
                    UPDATE host_counts SET n = n - 1
                        WHERE OLD.object_type <> 'template' AND is_object = (OLD.is_object <> 0);
                    UPDATE host_counts SET n = n + 1
                        WHERE NEW.object_type <> 'template' AND is_object = (NEW.is_object <> 0);
                END;

                CREATE TABLE accounts (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    oid TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL UNIQUE,
                    doc TEXT NOT NULL
                );

                CREATE TABLE users (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    oid TEXT NOT NULL UNIQUE,
                    email TEXT NOT NULL UNIQUE,
                    name TEXT,
                    doc TEXT NOT NULL
                );
                CREATE INDEX users_name ON users(name);

                CREATE TABLE rules (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    rule_type TEXT NOT NULL,
                    oid TEXT NOT NULL,
                    name TEXT,
                    doc TEXT NOT NULL,
                    UNIQUE(rule_type, oid)
                );
                CREATE INDEX rules_by_name ON rules(rule_type, name);

                CREATE TABLE cron_stats (
                    group_name TEXT PRIMARY KEY,
                    next_run INTEGER,
                    last_start INTEGER,
                    last_ended INTEGER,
                    is_running INTEGER NOT NULL DEFAULT 0,
                    last_message TEXT,
                    failure INTEGER NOT NULL DEFAULT 0
                );

                CREATE TABLE log_entries (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    oid TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    message TEXT NOT NULL,
                    source TEXT NOT NULL,
                    details TEXT NOT NULL,
                    has_error INTEGER NOT NULL,
                    affected_hosts TEXT NOT NULL,
                    user TEXT
                );
                """)
        }
        migrator.registerMigration("v2-partial-host-indexes") { db in
            // Partial indexes whose WHERE matches the queries' own filter: skipping to a
            // deep offset (list_hosts start=99800) then walks index entries only, never
            // the host rows, and the 24 h staleness count is an index range.
            try db.execute(sql: """
                DROP INDEX hosts_paging;
                DROP INDEX hosts_stale;
                CREATE INDEX hosts_paging ON hosts(is_object, seq) WHERE object_type <> 'template';
                CREATE INDEX hosts_stale ON hosts(is_object, last_seen) WHERE object_type <> 'template';
                """)
        }
        return migrator
    }
}

/// Reads and writes inside one GRDB transaction.
private struct SQLiteAccess: StoreWriting {
    let db: Database

    // MARK: Tables per rule type

    private struct Target {
        let table: String
        let uniqueColumn: String
        /// Extra SQL restricting the table to this rule type (hosts vs templates, rules).
        let scope: String
        let scopeArguments: StatementArguments
    }

    private func target(_ ruleType: String) -> Target {
        switch ruleType {
        case RuleTypeCatalog.hosts:
            return Target(table: "hosts", uniqueColumn: "hostname", scope: "object_type <> 'template'", scopeArguments: [])
        case RuleTypeCatalog.templates:
            return Target(table: "hosts", uniqueColumn: "hostname", scope: "object_type = 'template'", scopeArguments: [])
        case RuleTypeCatalog.accounts:
            return Target(table: "accounts", uniqueColumn: "name", scope: "1", scopeArguments: [])
        case RuleTypeCatalog.users:
            return Target(table: "users", uniqueColumn: "email", scope: "1", scopeArguments: [])
        default:
            return Target(table: "rules", uniqueColumn: "name", scope: "rule_type = ?", scopeArguments: [ruleType])
        }
    }

    private func decode(_ text: String) throws -> JSONObject {
        guard let object = try JSONReader.parse(text).objectValue else {
            throw SyncerError.storage("a stored document is not a JSON object")
        }
        return object
    }

    // MARK: Documents

    func documents(ofType ruleType: String, afterSeq: Int64, limit: Int) throws -> [StoredDocument] {
        let t = target(ruleType)
        var args = t.scopeArguments
        args += [afterSeq, limit]
        let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT seq, doc FROM \(t.table) WHERE \(t.scope) AND seq > ? ORDER BY seq LIMIT ?"), arguments: args)
        return try rows.map { StoredDocument(seq: $0["seq"], document: try decode($0["doc"])) }
    }

    func document(ofType ruleType: String, id: ObjectID) throws -> JSONObject? {
        let t = target(ruleType)
        var args = t.scopeArguments
        args += [id.hex]
        return try String.fetchOne(try db.cachedStatement(sql: "SELECT doc FROM \(t.table) WHERE \(t.scope) AND oid = ?"), arguments: args)
            .map(decode)
    }

    func document(ofType ruleType: String, unique value: String) throws -> JSONObject? {
        let t = target(ruleType)
        var args = t.scopeArguments
        args += [value]
        return try String.fetchOne(try db.cachedStatement(sql: "SELECT doc FROM \(t.table) WHERE \(t.scope) AND \(t.uniqueColumn) = ? ORDER BY seq LIMIT 1"),
            arguments: args
        ).map(decode)
    }

    func countDocuments(ofType ruleType: String) throws -> Int {
        let t = target(ruleType)
        return try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM \(t.table) WHERE \(t.scope)"), arguments: t.scopeArguments) ?? 0
    }

    /// The table and indexed columns a document is stored with (`oid` and `doc` included).
    private func row(ofType ruleType: String, _ document: JSONObject, id: ObjectID) -> (table: String, columns: [(String, (any DatabaseValueConvertible)?)]) {
        let base: [(String, (any DatabaseValueConvertible)?)] = [("oid", id.hex), ("doc", JSONValue.object(document).compactText)]
        switch RuleTypeCatalog.collection(of: ruleType) {
        case .hosts:
            let host = HostObject(document: document)
            return ("hosts", base + [
                ("hostname", host.hostname), ("is_object", host.isObject), ("object_type", storedObjectType(host, ruleType)),
                ("account_name", host.sourceAccountName), ("last_seen", host.lastImportSeen.map(ExtendedDate.milliseconds)),
            ])
        case .accounts:
            return ("accounts", base + [("name", Account(document: document).name)])
        case .users:
            let user = User(document: document)
            return ("users", base + [("email", user.email), ("name", user.name)])
        case .rules:
            return ("rules", base + [("rule_type", ruleType), ("name", document["name"]?.stringValue)])
        }
    }

    func insertDocument(ofType ruleType: String, _ document: JSONObject) throws {
        guard let id = document["_id"].flatMap({ ObjectID(json: $0) }) else {
            throw SyncerError.invalidArgument("a document to store needs an _id")
        }
        let (table, columns) = row(ofType: ruleType, document, id: id)
        let names = columns.map(\.0).joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try db.cachedStatement(sql: "INSERT INTO \(table) (\(names)) VALUES (\(marks))")
            .execute(arguments: StatementArguments(columns.map(\.1)))
    }

    func replaceDocument(ofType ruleType: String, id: ObjectID, with document: JSONObject) throws {
        let newID = document["_id"].flatMap { ObjectID(json: $0) } ?? id
        let (table, columns) = row(ofType: ruleType, document, id: newID)
        let t = target(ruleType)
        let assignments = columns.map { "\($0.0) = ?" }.joined(separator: ", ")
        var args = StatementArguments(columns.map(\.1))
        args += t.scopeArguments
        args += [id.hex]
        try db.cachedStatement(sql: "UPDATE \(table) SET \(assignments) WHERE \(t.scope) AND oid = ?").execute(arguments: args)
    }

    /// Templates are hosts whose object type is `template`; a template imported without
    /// that field still lands in its own rule type.
    private func storedObjectType(_ host: HostObject, _ ruleType: String) -> String {
        ruleType == RuleTypeCatalog.templates ? "template" : host.objectType
    }

    func deleteDocument(ofType ruleType: String, id: ObjectID) throws -> Bool {
        let t = target(ruleType)
        var args = t.scopeArguments
        args += [id.hex]
        try db.cachedStatement(sql: "DELETE FROM \(t.table) WHERE \(t.scope) AND oid = ?").execute(arguments: args)
        return db.changesCount > 0
    }

    func deleteHosts(seenBefore date: Date) throws -> [String] {
        try String.fetchAll(try db.cachedStatement(sql: "DELETE FROM hosts WHERE \(Self.staleHosts) RETURNING hostname"),
                            arguments: [ExtendedDate.milliseconds(date)])
    }

    /// Hosts (not objects or templates) last seen before the bound date: counted by
    /// `host_stats`, deleted by `cleanup_stale_hosts`; the `hosts_stale` index serves both.
    private static let staleHosts = "is_object = 0 AND last_seen < ? AND object_type <> 'template'"

    // MARK: Hosts

    private func hostWhere(_ filter: HostFilter) -> (String, StatementArguments) {
        var clauses = ["object_type <> 'template'"]
        var args = StatementArguments()
        if !filter.includeObjects { clauses.append("is_object = 0") }
        if let accounts = filter.accounts {
            if accounts.isEmpty {
                clauses.append("0")
            } else {
                clauses.append("account_name IN (\(Array(repeating: "?", count: accounts.count).joined(separator: ", ")))")
                for name in accounts.sorted() { args += [name] }
            }
        }
        if let prefix = filter.hostnamePrefix {
            clauses.append("hostname >= ? AND hostname < ?")
            args += [prefix, prefix + "\u{10FFFF}"]
        }
        if let seenBefore = filter.seenBefore {
            clauses.append("is_object = 0 AND last_seen < ?")
            args += [ExtendedDate.milliseconds(seenBefore)]
        }
        for word in filter.hostnameContains {
            clauses.append("hostname LIKE ? ESCAPE '\\'")
            args += ["%" + escapeLike(word) + "%"]
        }
        for (key, value) in filter.labels {
            if let value {
                clauses.append("json_extract(doc, '$.labels.' || json_quote(?)) LIKE ? ESCAPE '\\'")
                args += [key, "%" + escapeLike(value) + "%"]
            } else {
                clauses.append("json_type(doc, '$.labels.' || json_quote(?)) IS NOT NULL")
                args += [key]
            }
        }
        return (clauses.joined(separator: " AND "), args)
    }

    private func escapeLike(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    func hosts(matching filter: HostFilter, afterSeq: Int64?, offset: Int, limit: Int) throws -> [StoredDocument] {
        var (whereSQL, args) = hostWhere(filter)
        if let afterSeq {
            whereSQL += " AND seq > ?"
            args += [afterSeq]
        }
        args += [limit, offset]
        let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT seq, doc FROM hosts WHERE \(whereSQL) ORDER BY seq LIMIT ? OFFSET ?"), arguments: args)
        return try rows.map { StoredDocument(seq: $0["seq"], document: try decode($0["doc"])) }
    }

    func countHosts(matching filter: HostFilter) throws -> Int {
        let (whereSQL, args) = hostWhere(filter)
        return try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM hosts WHERE \(whereSQL)"), arguments: args) ?? 0
    }

    func countHosts(isObject: Bool) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT n FROM host_counts WHERE is_object = ?"), arguments: [isObject]) ?? 0
    }

    func countHosts(seenBefore date: Date) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM hosts WHERE \(Self.staleHosts)"),
            arguments: [ExtendedDate.milliseconds(date)]) ?? 0
    }

    func hostnames(withPrefix prefix: String, limit: Int) throws -> [String] {
        // A range scan on the unique hostname index: fast for any prefix, no LIKE.
        try String.fetchAll(try db.cachedStatement(sql: "SELECT hostname FROM hosts WHERE hostname >= ? AND hostname < ? ORDER BY hostname LIMIT ?"),
            arguments: [prefix, prefix + "\u{10FFFF}", limit])
    }

    // MARK: Users

    func users(login: String) throws -> [User] {
        try String.fetchAll(try db.cachedStatement(sql: "SELECT doc FROM users WHERE email = ? OR name = ? ORDER BY seq"), arguments: [login, login])
            .map { User(document: try decode($0)) }
    }

    // MARK: Cron

    func cronStats() throws -> [CronStats] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM cron_stats ORDER BY group_name")).map { row in
            var stats = CronStats(group: row["group_name"])
            stats.nextRun = date(row["next_run"])
            stats.lastStart = date(row["last_start"])
            stats.lastEnded = date(row["last_ended"])
            stats.isRunning = row["is_running"]
            stats.lastMessage = row["last_message"]
            stats.failure = row["failure"]
            return stats
        }
    }

    private func date(_ ms: Int64?) -> Date? { ms.map { Date(timeIntervalSince1970: Double($0) / 1000) } }

    func saveCronStats(_ s: CronStats) throws {
        try db.execute(
            sql: """
                INSERT INTO cron_stats (group_name, next_run, last_start, last_ended, is_running, last_message, failure)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(group_name) DO UPDATE SET next_run = excluded.next_run, last_start = excluded.last_start,
                last_ended = excluded.last_ended, is_running = excluded.is_running,
                last_message = excluded.last_message, failure = excluded.failure
                """,
            arguments: [s.group, s.nextRun.map(ExtendedDate.milliseconds), s.lastStart.map(ExtendedDate.milliseconds),
                        s.lastEnded.map(ExtendedDate.milliseconds), s.isRunning, s.lastMessage, s.failure])
    }

    // MARK: Log

    func logs(limit: Int, beforeSeq: Int64?) throws -> [(seq: Int64, entry: LogEntry)] {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM log_entries WHERE seq < ? ORDER BY seq DESC LIMIT ?"),
            arguments: [beforeSeq ?? Int64.max, limit])
        return try rows.map { row in
            let details = (try JSONReader.parse(row["details"] as String).arrayValue ?? []).map {
                LogEntry.Detail($0["name"]?.stringValue ?? "INFO", $0["message"]?.stringValue ?? "")
            }
            let affected = (try JSONReader.parse(row["affected_hosts"] as String).arrayValue ?? []).compactMap(\.stringValue)
            let entry = LogEntry(
                id: ObjectID(row["oid"] as String) ?? .generate(), time: date(row["time"])!, message: row["message"],
                source: row["source"], details: details, hasError: row["has_error"], affectedHosts: affected,
                user: row["user"])
            return (row["seq"], entry)
        }
    }

    func appendLog(_ e: LogEntry) throws {
        let details = JSONValue.array(e.details.map { .object(["name": .string($0.level), "message": .string($0.message)]) })
        try db.execute(
            sql: """
                INSERT INTO log_entries (oid, time, message, source, details, has_error, affected_hosts, user)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [e.id.hex, ExtendedDate.milliseconds(e.time), e.message, e.source, details.compactText, e.hasError,
                        JSONValue.strings(e.affectedHosts).compactText, e.user])
    }
}
