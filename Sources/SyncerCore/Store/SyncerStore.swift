import Foundation

/// The persistence boundary. Operations in `Syncer` speak only this protocol, so the
/// SQLite store and a PostgreSQL store are interchangeable underneath them.
///
/// Both calls are synchronous and run their body inside one transaction: `write` bodies
/// are all-or-nothing (a thrown error rolls everything back), and a `read` body sees one
/// consistent snapshot.
public protocol SyncerStore: AnyObject, Sendable {
    /// A human-readable location for messages ("/var/lib/…/syncer.sqlite").
    var location: String { get }
    /// The database file, when there is one (the secret key file is kept beside it).
    var filePath: String? { get }

    func read<T>(_ body: (any StoreReading) throws -> T) throws -> T
    func write<T>(_ body: (any StoreWriting) throws -> T) throws -> T

    /// Stops the statements running right now (a long import, export or count) from
    /// another thread. Their transactions roll back and the calls throw
    /// `SyncerError.interrupted`; later calls run normally.
    func interrupt()
}

/// Filters hosts for listing, in the store, so 1M hosts never pass through memory.
public struct HostFilter: Sendable, Equatable {
    /// Every word must occur in the hostname (case-insensitive).
    public var hostnameContains: [String] = []
    /// Every pair must match a label: the key exactly, the value as a substring (nil: any value).
    public var labels: [(key: String, value: String?)] = []
    /// `list_hosts` leaves out objects (`is_object`), as CMDBsyncer does.
    public var includeObjects = false
    /// Only hosts imported from these accounts (by name); nil: any. A principal's
    /// `accountScope` lands here, so a restricted user's lists and counts are its own.
    public var accounts: Set<String>?
    /// Only hosts (not objects) no import has seen since this time.
    public var seenBefore: Date?
    /// Only hostnames starting with this (completion).
    public var hostnamePrefix: String?

    public init(hostnameContains: [String] = [], labels: [(key: String, value: String?)] = [], includeObjects: Bool = false,
                accounts: Set<String>? = nil) {
        self.hostnameContains = hostnameContains
        self.labels = labels
        self.includeObjects = includeObjects
        self.accounts = accounts
    }

    /// Reads a filter line as an operator types it: `web os=linux env=` means hostname
    /// contains "web", label `os` contains "linux", and label `env` exists.
    public static func parse(_ text: String, includeObjects: Bool = false) -> HostFilter {
        var filter = HostFilter(includeObjects: includeObjects)
        for word in text.split(whereSeparator: \.isWhitespace) {
            if let eq = word.firstIndex(of: "="), eq != word.startIndex {
                let value = word[word.index(after: eq)...]
                filter.labels.append((String(word[..<eq]), value.isEmpty ? nil : String(value)))
            } else {
                filter.hostnameContains.append(String(word))
            }
        }
        return filter
    }

    /// No condition beyond "hosts" (and objects when included): counts come from totals.
    public var isEmpty: Bool { hostnameContains.isEmpty && labels.isEmpty && accounts == nil && seenBefore == nil && hostnamePrefix == nil }

    public static func == (a: HostFilter, b: HostFilter) -> Bool {
        a.hostnameContains == b.hostnameContains && a.includeObjects == b.includeObjects
            && a.accounts == b.accounts && a.seenBefore == b.seenBefore && a.hostnamePrefix == b.hostnamePrefix
            && a.labels.map(\.key) == b.labels.map(\.key) && a.labels.map(\.value) == b.labels.map(\.value)
    }
}

/// A document with its position in its collection. `seq` orders documents by insertion
/// and is the key for keyset paging (cursors), which stays fast however deep one pages.
public struct StoredDocument: Sendable, Equatable {
    public var seq: Int64
    public var document: JSONObject
}

public protocol StoreReading {
    // Documents of any rule type, in insertion order.
    func documents(ofType ruleType: String, afterSeq: Int64, limit: Int) throws -> [StoredDocument]
    func document(ofType ruleType: String, id: ObjectID) throws -> JSONObject?
    /// By the type's unique field (hostname, email, name); see `RuleTypeCatalog.uniqueField`.
    func document(ofType ruleType: String, unique value: String) throws -> JSONObject?
    func countDocuments(ofType ruleType: String) throws -> Int

    // Hosts.
    func hosts(matching filter: HostFilter, afterSeq: Int64?, offset: Int, limit: Int) throws -> [StoredDocument]
    func countHosts(matching filter: HostFilter) throws -> Int
    func countHosts(isObject: Bool) throws -> Int
    func countHosts(seenBefore: Date) throws -> Int
    func hostnames(withPrefix prefix: String, limit: Int) throws -> [String]

    // Users by e-mail or name (names are not unique in CMDBsyncer).
    func users(login: String) throws -> [User]

    // Cron run state and the log.
    func cronStats() throws -> [CronStats]
    func logs(limit: Int, beforeSeq: Int64?) throws -> [(seq: Int64, entry: LogEntry)]
}

public protocol StoreWriting: StoreReading {
    /// Inserts a document that carries an `_id`; fails on a duplicate id or unique field.
    func insertDocument(ofType ruleType: String, _ document: JSONObject) throws
    /// Replaces the document with `id` in place (its position is kept).
    func replaceDocument(ofType ruleType: String, id: ObjectID, with document: JSONObject) throws
    @discardableResult
    func deleteDocument(ofType ruleType: String, id: ObjectID) throws -> Bool
    /// Removes the hosts (not objects or templates) last seen before `date`; their hostnames.
    func deleteHosts(seenBefore date: Date) throws -> [String]
    func saveCronStats(_ stats: CronStats) throws
    func appendLog(_ entry: LogEntry) throws
}

/// Opens the store a `--db` value names: a file path (SQLite) or a PostgreSQL URL.
public enum StoreLocation {
    public static let environmentVariable = "CMDBSYNCER_DB"

    /// `$XDG_DATA_HOME/cmdbsyncer/syncer.sqlite`, else `~/.local/share/cmdbsyncer/syncer.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return (xdg as NSString).appendingPathComponent("cmdbsyncer/syncer.sqlite")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/share/cmdbsyncer/syncer.sqlite")
    }

    /// The flag wins over the environment, the environment over the default.
    public static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment[environmentVariable], !env.isEmpty { return env }
        return defaultPath(environment: environment)
    }

    /// Opens (and migrates) the store. Servers pass `createIfMissing: false`, so a
    /// mistyped path is reported as such instead of as a failed login on an empty database.
    public static func open(_ location: String, createIfMissing: Bool = true) throws -> any SyncerStore {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            throw SyncerError.storage(
                "PostgreSQL is not available in this build yet; use a SQLite file path for --db / \(environmentVariable)")
        }
        if !createIfMissing, !FileManager.default.fileExists(atPath: location) {
            throw SyncerError.storage(
                "no database at \(location); create one with `syncer-tui --db \(location) user add …` or `rules import`, or fix --db / \(environmentVariable)")
        }
        return try SQLiteStore(path: location)
    }
}
