import Foundation

/// What goes into an export besides the rule types themselves.
public struct ExportOptions: Sendable, Equatable {
    /// Only these types (nil: every type, minus the opt-in ones below).
    public var types: [String]?
    public var includeHosts = false
    public var includeAccounts = false
    public var includeUsers = false
    /// Checkmk password store entries (`cmk_passwords`).
    public var includePasswords = false

    public init(types: [String]? = nil, includeHosts: Bool = false, includeAccounts: Bool = false,
                includeUsers: Bool = false, includePasswords: Bool = false) {
        self.types = types; self.includeHosts = includeHosts; self.includeAccounts = includeAccounts
        self.includeUsers = includeUsers; self.includePasswords = includePasswords
    }

    /// The types to export, sorted, each known.
    func ruleTypes() throws -> [String] {
        if let types {
            for type in types where !RuleTypeCatalog.isKnown(type) { throw SyncerError.notFound(kind: "rule type", name: type) }
            return Array(Set(types)).sorted()
        }
        return RuleTypeCatalog.all.filter { type in
            switch type {
            case RuleTypeCatalog.hosts: return includeHosts
            case RuleTypeCatalog.accounts: return includeAccounts
            case RuleTypeCatalog.users: return includeUsers
            case RuleTypeCatalog.checkmkPasswords: return includePasswords
            default: return true
            }
        }
    }

    var carriesSecrets: Bool {
        let selected = (try? ruleTypes()) ?? []
        return selected.contains(RuleTypeCatalog.accounts) || selected.contains(RuleTypeCatalog.users)
            || selected.contains(RuleTypeCatalog.checkmkPasswords)
    }
}

/// Counts of an export written to a file.
public struct ExportSummary: JSONRepresentable, Equatable, Sendable {
    public var path: String
    public var counts: [String: Int]
    public var total: Int { counts.values.reduce(0, +) }
    public var json: JSONValue {
        .object([
            "path": .string(path), "total": .int(total),
            "rules": .object(JSONObject(counts.keys.sorted().map { ($0, .int(counts[$0]!)) })),
        ])
    }
}

extension Syncer {
    static let exportPageSize = 1000

    /// A stored document as it leaves the syncer: secrets only for holders of `all`;
    /// nil for hosts and accounts outside a restricted principal's accounts.
    static func exportForm(_ doc: JSONObject, ofType ruleType: String, for principal: Principal) -> JSONObject? {
        if principal.accountScope != nil {
            switch ruleType {
            case RuleTypeCatalog.hosts:
                if !principal.reaches(account: HostObject(document: doc).sourceAccountName) { return nil }
            case RuleTypeCatalog.accounts:
                if !principal.reaches(account: Account(document: doc).name) { return nil }
            default:
                break
            }
        }
        return principal.holdsAll ? doc : SecretFields.redacted(doc)
    }

    /// Every document of one type in its export form (`export_rules`).
    public func exportRules(ofType ruleType: String, as principal: Principal) throws -> [JSONObject] {
        guard RuleTypeCatalog.isKnown(ruleType) else { throw SyncerError.notFound(kind: "rule type", name: ruleType) }
        return try store.read { r in
            var out: [JSONObject] = []
            try Self.forEachDocument(r, ruleType) { doc in
                if let shown = Self.exportForm(doc, ofType: ruleType, for: principal) { out.append(shown) }
            }
            return out
        }
    }

    private static func forEachDocument(_ r: any StoreReading, _ ruleType: String, _ body: (JSONObject) throws -> Void) throws {
        var after: Int64 = 0
        while true {
            let page = try r.documents(ofType: ruleType, afterSeq: after, limit: exportPageSize)
            for stored in page { try body(stored.document) }
            guard let last = page.last, page.count == exportPageSize else { return }
            after = last.seq
        }
    }

    /// A whole bundle in memory (`export_all_rules`): `{exported_at, rules: {type: [...]}}`,
    /// types without documents left out, as CMDBsyncer does.
    public func exportBundle(_ options: ExportOptions, as principal: Principal) throws -> JSONValue {
        let types = try options.ruleTypes()
        let rules = try store.read { r -> JSONObject in
            var rules = JSONObject()
            for type in types {
                var docs: [JSONValue] = []
                try Self.forEachDocument(r, type) { doc in
                    if let shown = Self.exportForm(doc, ofType: type, for: principal) { docs.append(.object(shown)) }
                }
                if !docs.isEmpty { rules[type] = .array(docs) }
            }
            return rules
        }
        try auditExport(options, as: principal, destination: "an MCP/API answer")
        return .object(["exported_at": .string(ExtendedDate.iso(now())), "rules": .object(rules)])
    }

    /// Streams a bundle to `path` one page of documents at a time (memory stays flat for
    /// any number of hosts) from one consistent snapshot. The file appears complete or not
    /// at all: it is written beside the target and renamed into place.
    @discardableResult
    public func writeBundle(_ options: ExportOptions, to path: String, as principal: Principal) throws -> ExportSummary {
        let types = try options.ruleTypes()
        let target = URL(fileURLWithPath: path)
        // A random name, created exclusively and never through a symlink: nobody can make
        // us write through a link planted at a name they guessed.
        let temp = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(UInt64.random(in: 0...UInt64.max)).tmp")
        let fd = Foundation.open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SyncerError.storage("cannot write \(temp.path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var counts: [String: Int] = [:]
        do {
            defer { try? handle.close() }
            var buffer: [UInt8] = []
            func flush(force: Bool = false) throws {
                if force || buffer.count > 1 << 20 { try handle.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
            }
            let writer = JSONWriter(indent: 2)
            buffer += Array("{\n  \"exported_at\": \"\(ExtendedDate.iso(now()))\",\n  \"rules\": {".utf8)
            try store.read { r in
                var firstType = true
                for type in types {
                    var count = 0
                    try Self.forEachDocument(r, type) { stored in
                        guard let doc = Self.exportForm(stored, ofType: type, for: principal) else { return }
                        if count == 0 {
                            buffer += Array("\(firstType ? "" : ",")\n    ".utf8)
                            JSONWriter.writeString(type, into: &buffer)
                            buffer += Array(": [".utf8)
                            firstType = false
                        }
                        buffer += Array("\(count == 0 ? "" : ",")\n      ".utf8)
                        writer.write(.object(doc), into: &buffer, level: 3)
                        count += 1
                        try flush()
                    }
                    if count > 0 { buffer += Array("\n    ]".utf8); counts[type] = count }
                }
            }
            buffer += Array("\n  }\n}\n".utf8)
            try flush(force: true)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
        guard rename(temp.path, target.path) == 0 else {
            try? FileManager.default.removeItem(at: temp)
            throw SyncerError.invalidArgument("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        try auditExport(options, as: principal, destination: path)
        return ExportSummary(path: path, counts: counts)
    }

    /// Exports that carry secrets (accounts, users, passwords) leave a log entry.
    private func auditExport(_ options: ExportOptions, as principal: Principal, destination: String) throws {
        guard options.carriesSecrets, !principal.readonly else { return }
        try store.write { w in try record(w, principal, "Exported accounts/users to \(destination)") }
    }

    /// Up to `limit` stored documents of one type after position `after`, and how many the
    /// type holds in all (browsing rules without loading them all). Stored form: secrets
    /// stay encrypted, and callers that show documents decide what to hide.
    public func rules(ofType ruleType: String, after position: Int64 = 0, limit: Int) throws
        -> (documents: [StoredDocument], total: Int)
    {
        guard RuleTypeCatalog.isKnown(ruleType) else { throw SyncerError.notFound(kind: "rule type", name: ruleType) }
        return try store.read { r in
            (try r.documents(ofType: ruleType, afterSeq: position, limit: max(0, limit)), try r.countDocuments(ofType: ruleType))
        }
    }

    /// Rule types with how many documents each holds (the console's Rules screen).
    public func ruleTypeCounts() throws -> [(type: String, count: Int)] {
        try store.read { r in try RuleTypeCatalog.all.map { ($0, try r.countDocuments(ofType: $0)) } }
    }
}
