import Foundation

/// Domain records are thin typed views over the stored document. The document stays the
/// source of truth, so every field CMDBsyncer (or a plugin) wrote survives a round trip,
/// even fields this code has never heard of.
public protocol DocumentRecord {
    var document: JSONObject { get set }
    init(document: JSONObject)
}

public extension DocumentRecord {
    var id: ObjectID? { document["_id"].flatMap { ObjectID(json: $0) } }

    func string(_ key: String) -> String? { document[key]?.stringValue }
    func bool(_ key: String, default value: Bool = false) -> Bool { document[key]?.boolValue ?? value }
    func date(_ key: String) -> Date? { document[key].flatMap { ExtendedDate.date(from: $0) } }
    func strings(_ key: String) -> [String] { document[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    mutating func set(_ key: String, _ value: JSONValue?) { document[key] = value }
    mutating func setDate(_ key: String, _ date: Date?) { document[key] = date.map { ExtendedDate.json($0) } }
}

/// A host or object (`host_objects`): labels, inventory (`<key>__<field>` keys), the
/// account it was imported from, and when an import last saw and last changed it.
public struct HostObject: DocumentRecord, Equatable, Sendable {
    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    public init(hostname: String, now: Date = Date()) {
        document = [
            "_id": ObjectID.generate(at: now).json,
            "hostname": .string(hostname),
            "labels": .object([:]),
            "inventory": .object([:]),
            "is_object": false,
            "object_type": "auto",
            "create_time": ExtendedDate.json(now),
        ]
    }

    public var hostname: String { string("hostname") ?? "" }
    public var labels: JSONObject {
        get { document["labels"]?.objectValue ?? JSONObject() }
        set { document["labels"] = .object(newValue) }
    }
    public var inventory: JSONObject {
        get { document["inventory"]?.objectValue ?? JSONObject() }
        set { document["inventory"] = .object(newValue) }
    }
    public var isObject: Bool { bool("is_object") }
    public var objectType: String { string("object_type") ?? "auto" }
    public var sourceAccountID: String? { string("source_account_id") }
    public var sourceAccountName: String? { string("source_account_name") }
    public var lastImportSeen: Date? { date("last_import_seen") }
    public var lastImportSync: Date? { date("last_import_sync") }

    /// The shape `list_hosts`, `get_host`, the console and `hosts list --json` share.
    public var summary: JSONValue {
        .object([
            "hostname": .string(hostname),
            "labels": .object(labels),
            "inventory": .object(inventory),
            "last_seen": ExtendedDate.iso(lastImportSeen),
            "last_update": ExtendedDate.iso(lastImportSync),
        ])
    }
}

/// An import/export account (`accounts`). The password lives encrypted in
/// `password_crypted` (a Fernet token), as in CMDBsyncer.
public struct Account: DocumentRecord, Equatable, Sendable {
    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    public var name: String { string("name") ?? "" }
    /// Bundles call the type `typ` (mongoengine's db_field); older ones `type`.
    public var type: String { string("typ") ?? string("type") ?? "" }
    public var enabled: Bool { bool("enabled", default: true) }
    public var isMaster: Bool { bool("is_master") }
    public var isChild: Bool { bool("is_child") }
    public var parent: String? {
        if let s = string("parent") { return s }
        return document["parent"].flatMap { ObjectID(json: $0)?.hex }
    }
    public var passwordToken: String? { string("password_crypted") }

    public var listEntry: JSONValue {
        .object([
            "name": .string(name), "type": .string(type), "enabled": .bool(enabled),
            "is_master": .bool(isMaster), "is_child": .bool(isChild),
        ])
    }
}

/// The API roles a user can hold (CMDBsyncer's `api_roles`).
public enum APIRole: String, CaseIterable, Sendable, Comparable {
    case all, ansible, mcp, objects, rules, syncer, metrics

    public static func < (a: APIRole, b: APIRole) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// What holding the role allows, for confirmations in the console.
    public var meaning: String {
        switch self {
        case .all: return "full access to every API and MCP tool, including account passwords and user imports"
        case .ansible: return "the Ansible inventory API"
        case .mcp: return "every MCP tool: read and write hosts, rules, cron and logs"
        case .objects: return "the objects (hosts, accounts) API"
        case .rules: return "the rules API"
        case .syncer: return "the syncer API (logs, cron, stats)"
        case .metrics: return "the metrics endpoint"
        }
    }

    public static func parse(_ text: String) throws -> APIRole {
        guard let role = APIRole(rawValue: text.lowercased()) else {
            throw SyncerError.invalidArgument(
                "unknown API role '\(text)'; valid roles: \(allCases.map(\.rawValue).joined(separator: " "))")
        }
        return role
    }
}

/// A person who logs in to the syncer (`users`).
public struct User: DocumentRecord, Equatable, Sendable {
    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    public var email: String { string("email") ?? "" }
    public var name: String { string("name") ?? "" }
    public var passwordHash: String? { string("pwdhash") }
    public var globalAdmin: Bool { bool("global_admin") }
    public var roles: [String] { strings("roles") }
    /// Unknown role names from a foreign bundle are kept in the document but grant nothing.
    public var apiRoles: [APIRole] { strings("api_roles").compactMap { APIRole(rawValue: $0) } }
    public var disabled: Bool { bool("disabled") }
    public var readonly: Bool { bool("readonly") }

    public func holds(_ role: APIRole) -> Bool { apiRoles.contains(role) || apiRoles.contains(.all) }

    /// Personal API tokens (`api_tokens`); entries without an id or hash are skipped.
    public var apiTokens: [APIToken] {
        get { document["api_tokens"]?.arrayValue?.compactMap(APIToken.init(json:)) ?? [] }
        set { document["api_tokens"] = .array(newValue.map(\.json)) }
    }

    /// The shape `user list --json` prints: everything but the hash.
    public var listEntry: JSONValue {
        .object([
            "email": .string(email), "name": .string(name),
            "api_roles": .strings(strings("api_roles")), "roles": .strings(roles),
            "global_admin": .bool(globalAdmin), "disabled": .bool(disabled), "readonly": .bool(readonly),
        ])
    }
}

/// A stored rule of any type: its type and its document.
public struct Rule: DocumentRecord, Equatable, Sendable {
    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }
    public var name: String? { string("name") }
    public var enabled: Bool { bool("enabled", default: true) }
}

/// A cron group (`cron_groups` rule type) and the jobs it runs.
public struct CronGroup: DocumentRecord, Equatable, Sendable {
    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }
    public var name: String { string("name") ?? "" }
    public var interval: String { string("interval") ?? "daily" }
    public var enabled: Bool { bool("enabled") }
    public var runOnceNext: Bool { bool("run_once_next") }
    public var jobs: [JSONValue] { document["jobs"]?.arrayValue ?? [] }
    public var continueOnError: Bool { bool("continue_on_error") }
    /// Whether a job of this group reaches the runner's machine (runs a program or writes a
    /// file there): creating or changing such a group needs the `all` role.
    public var reachesMachine: Bool {
        jobs.contains { job in
            let command = job["command"]?.stringValue ?? ""
            return command == CronJob.BuiltIn.exec.rawValue || command == CronJob.BuiltIn.exportBundle.rawValue
        }
    }

    /// Pass order, as in CMDBsyncer; equal values keep insertion order.
    public var sortField: Int64 { document["sort_field"]?.intValue ?? 0 }
}

/// Run state of a cron group (CMDBsyncer's `CronStats`), kept apart from the group's
/// configuration so exports stay a configuration backup.
public struct CronStats: Equatable, Sendable {
    public var group: String
    public var nextRun: Date?
    public var lastStart: Date?
    public var lastEnded: Date?
    public var isRunning = false
    public var lastMessage: String?
    public var failure = false

    public init(group: String) { self.group = group }
}

/// One log line of the syncer, with its details and the user who caused it.
public struct LogEntry: Equatable, Sendable {
    public struct Detail: Equatable, Sendable {
        public var level: String
        public var message: String
        public init(_ level: String, _ message: String) { self.level = level; self.message = message }
    }

    public var id: ObjectID
    public var time: Date
    public var message: String
    public var source: String
    public var details: [Detail]
    public var hasError: Bool
    public var affectedHosts: [String]
    public var user: String?

    public init(
        id: ObjectID = .generate(), time: Date = Date(), message: String, source: String,
        details: [Detail] = [], hasError: Bool = false, affectedHosts: [String] = [], user: String? = nil
    ) {
        self.id = id; self.time = time; self.message = message; self.source = source
        self.details = details; self.hasError = hasError; self.affectedHosts = affectedHosts; self.user = user
    }

    /// The shape of `get_recent_logs` entries.
    public var summary: JSONValue {
        .object([
            "entry_id": .string(id.hex),
            "time": .string(ExtendedDate.iso(time)),
            "message": .string(message),
            "source": .string(source),
            "details": .array(details.map { .object(["name": .string($0.level), "message": .string($0.message)]) }),
            "has_error": .bool(hasError),
            "user": .string(user),
        ])
    }
}
