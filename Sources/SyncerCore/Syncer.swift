import Foundation
import Logging

/// The syncer's state and every operation on it. The MCP server, the console and the
/// admin subcommands all call these methods; none of them holds a business rule or SQL.
///
/// Operations take the acting `Principal`, check what it may do, run in one store
/// transaction, and (when they write) append a log entry naming the principal in that
/// same transaction, so a change and its log line land together or not at all.
public final class Syncer: @unchecked Sendable {
    public let store: any SyncerStore
    let environment: [String: String]
    let logger: Logger
    /// Injectable for tests of time-based behaviour (stale hosts, log times).
    public var now: @Sendable () -> Date = { Date() }

    private let cipherLock = NSLock()
    private var cachedCipher: Fernet?

    public init(store: any SyncerStore, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.store = store
        self.environment = environment
        self.logger = Logger(label: "cmdbsyncer.core")
    }

    /// Opens the database a `--db` flag, `CMDBSYNCER_DB` or the default path names.
    public static func open(database flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                            createIfMissing: Bool = true) throws -> Syncer {
        let location = StoreLocation.resolve(flag: flag, environment: environment)
        return Syncer(store: try StoreLocation.open(location, createIfMissing: createIfMissing), environment: environment)
    }

    /// The Fernet cipher for account passwords, loaded on first need: most operations
    /// never touch a secret and must not create a key file as a side effect.
    func cipher() throws -> Fernet {
        cipherLock.lock()
        defer { cipherLock.unlock() }
        if let cachedCipher { return cachedCipher }
        let made = try SecretKeyFile.loadOrCreate(beside: store.filePath, environment: environment)
        cachedCipher = made
        return made
    }

    /// Stops the database work running now on other threads (an import, an export, a count
    /// over millions of hosts): it rolls back and throws `SyncerError.interrupted`.
    public func interruptRunningWork() { store.interrupt() }

    /// Appends the log line of a write, inside the write's transaction.
    func record(
        _ w: any StoreWriting, _ principal: Principal, _ message: String, details: [LogEntry.Detail] = [],
        hosts: [String] = [], error: Bool = false
    ) throws {
        try w.appendLog(LogEntry(
            time: now(), message: message, source: principal.source,
            details: [LogEntry.Detail("user", principal.name)] + details, hasError: error,
            affectedHosts: hosts, user: principal.name))
    }

    /// Paging bounds shared by every list operation (CMDBsyncer caps limits at 1000).
    static func checkLimit(_ limit: Int, name: String = "limit") throws {
        guard (1...1000).contains(limit) else {
            throw SyncerError.invalidArgument("\(name) must be between 1 and 1000, got \(limit)")
        }
    }
}
