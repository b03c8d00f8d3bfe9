import Foundation

/// One page of `list_hosts`.
public struct HostPage: JSONRepresentable, Sendable {
    public var hosts: [HostObject]
    public var start: Int
    public var limit: Int
    /// All non-object hosts, not just this page (CMDBsyncer's `size`).
    public var size: Int
    /// Opaque; pass back as `cursor` for the next page. Nil on the last page.
    public var nextCursor: String?

    public var json: JSONValue {
        var o: JSONObject = [
            "results": .array(hosts.map(\.summary)), "start": .int(start), "limit": .int(limit), "size": .int(size),
        ]
        if let nextCursor { o["nextCursor"] = .string(nextCursor) }
        return .object(o)
    }
}

/// A status answer of a host write: `{status, hostname[, key]}`.
public struct HostWriteResult: JSONRepresentable, Equatable, Sendable {
    public var status: String
    public var hostname: String
    public var key: String?
    public var json: JSONValue {
        var o: JSONObject = ["status": .string(status), "hostname": .string(hostname)]
        if let key { o["key"] = .string(key) }
        return .object(o)
    }
}

public struct HostStats: JSONRepresentable, Equatable, Sendable {
    public var checkpoint: Date
    public var hosts: Int
    public var objects: Int
    public var notUpdatedLast24h: Int
    public var json: JSONValue {
        .object([
            "24h_checkpoint": .string(ExtendedDate.iso(checkpoint)), "num_hosts": .int(hosts),
            "num_objects": .int(objects), "not_updated_last_24h": .int(notUpdatedLast24h),
        ])
    }
}

extension Syncer {
    /// Cursors are base64 of `h:<seq>`: opaque to clients, and a keyset position for us,
    /// so page 10,000 costs what page 1 costs.
    static func encodeCursor(_ seq: Int64) -> String { Data("h:\(seq)".utf8).base64EncodedString() }

    static func decodeCursor(_ cursor: String) throws -> Int64 {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("h:"), let seq = Int64(text.dropFirst(2)), seq >= 0
        else { throw SyncerError.invalidArgument("invalid cursor: pass back the nextCursor of an earlier page") }
        return seq
    }

    /// Hosts (not objects) in insertion order, by offset or by cursor; a restricted
    /// principal pages through (and counts) the hosts of its accounts only.
    public func listHosts(start: Int = 0, limit: Int = 100, cursor: String? = nil, as principal: Principal) throws -> HostPage {
        guard start >= 0 else { throw SyncerError.invalidArgument("start must not be negative, got \(start)") }
        try Self.checkLimit(limit)
        let after = try cursor.map(Self.decodeCursor)
        return try store.read { r in
            let filter = HostFilter(accounts: principal.accountScope)
            // One extra row tells whether another page follows.
            let rows = try r.hosts(matching: filter, afterSeq: after, offset: after == nil ? start : 0, limit: limit + 1)
            let page = rows.prefix(limit)
            return HostPage(
                hosts: page.map { HostObject(document: $0.document) }, start: start, limit: limit,
                size: filter.isEmpty ? try r.countHosts(isObject: false) : try r.countHosts(matching: filter),
                nextCursor: rows.count > limit ? page.last.map { Self.encodeCursor($0.seq) } : nil)
        }
    }

    /// A window of hosts for browsing: filtered in the store, only `limit` rows loaded.
    public func browseHosts(_ filter: HostFilter, offset: Int, limit: Int) throws -> [HostObject] {
        try hostWindow(filter, after: nil, skip: offset, limit: limit).map(\.host)
    }

    /// Hosts with their positions, so a browser can page on from a row it has seen
    /// (keyset: as fast at row 900,000 as at row 10) instead of counting from the top.
    /// `after` is a position from an earlier window; `skip` rows after it are left out.
    public func hostWindow(_ filter: HostFilter, after position: Int64?, skip: Int, limit: Int) throws
        -> [(position: Int64, host: HostObject)]
    {
        try store.read { r in
            try r.hosts(matching: filter, afterSeq: position, offset: max(0, skip), limit: max(0, limit))
                .map { ($0.seq, HostObject(document: $0.document)) }
        }
    }

    public func countHosts(_ filter: HostFilter) throws -> Int {
        try store.read { r in
            filter.isEmpty
                ? try r.countHosts(isObject: false) + (filter.includeObjects ? try r.countHosts(isObject: true) : 0)
                : try r.countHosts(matching: filter)
        }
    }

    /// One host; a host outside a restricted principal's accounts is "not found".
    public func host(named hostname: String, as principal: Principal) throws -> HostObject {
        guard let doc = try store.read({ try $0.document(ofType: RuleTypeCatalog.hosts, unique: hostname) }) else {
            throw SyncerError.notFound(kind: "host", name: hostname)
        }
        let host = HostObject(document: doc)
        try principal.requireReach(account: host.sourceAccountName, kind: "host", named: hostname)
        return host
    }

    /// Hostnames starting with `prefix`, sorted (completion in MCP and the console); for a
    /// restricted principal only those of its accounts.
    public func hostnames(withPrefix prefix: String, limit: Int = 100, as principal: Principal) throws -> [String] {
        guard let scope = principal.accountScope else {
            return try store.read { try $0.hostnames(withPrefix: prefix, limit: limit) }
        }
        var filter = HostFilter(includeObjects: true, accounts: scope)
        filter.hostnamePrefix = prefix
        return try store.read { r in
            try r.hosts(matching: filter, afterSeq: nil, offset: 0, limit: limit).map { HostObject(document: $0.document).hostname }
        }.sorted()
    }

    static func validateHostname(_ hostname: String) throws {
        guard !hostname.isEmpty else { throw SyncerError.invalidArgument("hostname must not be empty") }
        guard hostname.utf8.count <= 255 else { throw SyncerError.invalidArgument("hostname is longer than 255 bytes") }
        // Every control TerminalText would escape (C0, DEL, C1, bidi) is refused outright: a
        // hostname is a key other systems print and match, and must read as it is.
        guard !hostname.unicodeScalars.contains(where: { $0.properties.isWhitespace || TerminalText.isControl($0.value) })
        else { throw SyncerError.invalidArgument("hostname '\(TerminalText.escaped(hostname))' contains whitespace or control characters") }
    }

    static func validateLabels(_ labels: JSONObject) throws {
        for (key, value) in labels {
            guard !key.isEmpty else { throw SyncerError.invalidArgument("label names must not be empty") }
            switch value {
            case .string, .int, .double, .bool, .null: continue
            default: throw SyncerError.invalidArgument("label '\(key)' must be a string, number or boolean, not \(value.typeName)")
            }
        }
    }

    /// Creates or updates a host and binds it to `account`. A host bound to another
    /// account is left untouched and answered with `account_conflict`.
    public func upsertHost(hostname: String, account accountName: String, labels: JSONObject, as principal: Principal) throws -> HostWriteResult {
        try principal.requireWrite("change hosts")
        try Self.validateHostname(hostname)
        try Self.validateLabels(labels)
        let time = now()
        try principal.requireReach(account: accountName, kind: "account", named: accountName)
        return try store.write { w in
            guard let accountDoc = try w.document(ofType: RuleTypeCatalog.accounts, unique: accountName) else {
                throw SyncerError.notFound(kind: "account", name: accountName)
            }
            let account = Account(document: accountDoc)
            let accountID = account.id?.hex
            let existing = try w.document(ofType: RuleTypeCatalog.hosts, unique: hostname).map(HostObject.init(document:))
            var host = existing ?? HostObject(hostname: hostname, now: time)
            if existing != nil, host.sourceAccountID != nil || host.sourceAccountName != nil {
                let sameAccount = host.sourceAccountID.map { $0 == accountID } ?? (host.sourceAccountName == account.name)
                if !sameAccount { return HostWriteResult(status: "account_conflict", hostname: hostname) }
            }
            if existing == nil || host.labels != labels { host.setDate("last_import_sync", time) }
            host.labels = labels
            host.setDate("last_import_seen", time)
            host.set("source_account_id", .string(accountID))
            host.set("source_account_name", .string(account.name))
            if let existing, let id = existing.id {
                try w.replaceDocument(ofType: RuleTypeCatalog.hosts, id: id, with: host.document)
            } else {
                try w.insertDocument(ofType: RuleTypeCatalog.hosts, host.document)
            }
            try record(w, principal, "\(existing == nil ? "Created" : "Updated") host \(hostname) (account \(account.name))",
                       hosts: [hostname])
            return HostWriteResult(status: "saved", hostname: hostname)
        }
    }

    public func deleteHost(hostname: String, as principal: Principal) throws -> HostWriteResult {
        try principal.requireWrite("delete hosts")
        return try store.write { w in
            guard let doc = try w.document(ofType: RuleTypeCatalog.hosts, unique: hostname), let id = HostObject(document: doc).id,
                principal.reaches(account: HostObject(document: doc).sourceAccountName)
            else {
                return HostWriteResult(status: "not_found", hostname: hostname)
            }
            try w.deleteDocument(ofType: RuleTypeCatalog.hosts, id: id)
            try record(w, principal, "Deleted host \(hostname)", hosts: [hostname])
            return HostWriteResult(status: "deleted", hostname: hostname)
        }
    }

    /// Replaces the inventory section `key` (all `key__*` entries) of an existing host.
    /// Never creates a host.
    public func updateHostInventory(hostname: String, key: String, inventory: JSONObject, as principal: Principal) throws -> HostWriteResult {
        try principal.requireWrite("change host inventory")
        guard !key.isEmpty, !key.contains("__") else {
            throw SyncerError.invalidArgument("inventory key must be non-empty and must not contain '__'")
        }
        return try store.write { w in
            guard let doc = try w.document(ofType: RuleTypeCatalog.hosts, unique: hostname),
                principal.reaches(account: HostObject(document: doc).sourceAccountName)
            else {
                return HostWriteResult(status: "not_found", hostname: hostname, key: nil)
            }
            var host = HostObject(document: doc)
            var merged = JSONObject()
            for (k, v) in host.inventory where !k.hasPrefix(key + "__") { merged[k] = v }
            for (field, value) in inventory { merged["\(key)__\(field)"] = value }
            host.inventory = merged
            try w.replaceDocument(ofType: RuleTypeCatalog.hosts, id: host.id!, with: host.document)
            try record(w, principal, "Updated inventory '\(key)' of host \(hostname)", hosts: [hostname])
            return HostWriteResult(status: "saved", hostname: hostname, key: key)
        }
    }

    /// Totals and the hosts no import has seen for 24 hours (of the principal's accounts,
    /// when it is restricted).
    public func hostStats(as principal: Principal) throws -> HostStats {
        let checkpoint = now().addingTimeInterval(-24 * 3600)
        return try store.read { r in
            guard let scope = principal.accountScope else {
                return HostStats(checkpoint: checkpoint, hosts: try r.countHosts(isObject: false),
                                 objects: try r.countHosts(isObject: true), notUpdatedLast24h: try r.countHosts(seenBefore: checkpoint))
            }
            let hosts = try r.countHosts(matching: HostFilter(accounts: scope))
            let all = try r.countHosts(matching: HostFilter(includeObjects: true, accounts: scope))
            var stale = HostFilter(accounts: scope)
            stale.seenBefore = checkpoint
            return HostStats(checkpoint: checkpoint, hosts: hosts, objects: all - hosts,
                             notUpdatedLast24h: try r.countHosts(matching: stale))
        }
    }
}
