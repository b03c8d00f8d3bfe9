import Foundation

/// What an import did (or, as a preview, would do), per rule type.
public struct ImportReport: JSONRepresentable, Equatable, Sendable {
    public var added: [String: Int] = [:]
    public var replaced: [String: Int] = [:]
    /// Documents whose `_id` or unique name exists already (without `override`): not written.
    public var duplicates: [String: Int] = [:]
    /// Documents of rule types we do not know: not written, reported.
    public var skipped: [String: Int] = [:]

    public init() {}

    /// Written documents per type (added + replaced), CMDBsyncer's `imported`.
    public var imported: [String: Int] { added.merging(replaced, uniquingKeysWith: +) }
    public var total: Int { imported.values.reduce(0, +) }

    public var json: JSONValue {
        func counts(_ d: [String: Int]) -> JSONValue { .object(JSONObject(d.keys.sorted().map { ($0, .int(d[$0]!)) })) }
        return .object([
            "imported": counts(imported), "total": .int(total), "added": counts(added), "replaced": counts(replaced),
            "duplicates": counts(duplicates), "skipped": counts(skipped),
        ])
    }
}

/// The outcome of `create_rule`: `imported`, `duplicate` or `invalid` (with the reason).
public struct CreateRuleResult: JSONRepresentable, Equatable, Sendable {
    public var ruleType: String
    public var status: String
    public var reason: String?
    public var json: JSONValue {
        var o: JSONObject = ["rule_type": .string(ruleType), "status": .string(status)]
        if let reason { o["reason"] = .string(reason) }
        return .object(o)
    }
}

/// Writes bundle documents into the store, inside the caller's transaction.
///
/// Each document is checked before it is written; the bulk paths turn the first bad one
/// into an error, which rolls the whole transaction back: an import is all or nothing.
struct BundleImporter {
    enum Outcome { case added, replaced, duplicate }

    struct InvalidDocument: Error { let reason: String }

    let syncer: Syncer
    let writer: any StoreWriting
    let principal: Principal
    let override: Bool
    var report = ImportReport()

    init(syncer: Syncer, writer: any StoreWriting, principal: Principal, override: Bool) {
        self.syncer = syncer; self.writer = writer; self.principal = principal; self.override = override
    }

    /// Checks permission for a whole rule type before any of its documents is read.
    func admit(_ ruleType: String) throws {
        if ruleType == RuleTypeCatalog.users { try principal.requireAll("importing users") }
    }

    /// Imports one document of a known type; `position` names it in errors (1-based).
    mutating func importDocument(_ value: JSONValue, ofType ruleType: String, position: Int) throws {
        let outcome: Outcome
        do {
            outcome = try importOne(value, ofType: ruleType)
        } catch let invalid as InvalidDocument {
            throw SyncerError.invalidBundle("\(ruleType) document #\(position): \(invalid.reason); nothing was imported")
        } catch SyncerError.permissionDenied(let reason) {
            throw SyncerError.permissionDenied("\(ruleType) document #\(position): \(reason); nothing was imported")
        }
        switch outcome {
        case .added: report.added[ruleType, default: 0] += 1
        case .replaced: report.replaced[ruleType, default: 0] += 1
        case .duplicate: report.duplicates[ruleType, default: 0] += 1
        }
    }

    mutating func skipUnknown(_ ruleType: String, count: Int) {
        report.skipped[ruleType, default: 0] += count
    }

    func importOne(_ value: JSONValue, ofType ruleType: String) throws -> Outcome {
        guard var doc = value.objectValue else { throw InvalidDocument(reason: "expected an object, got \(value.typeName)") }
        let id: ObjectID
        if let raw = doc["_id"] {
            guard let parsed = ObjectID(json: raw) else { throw InvalidDocument(reason: "_id must be {\"$oid\": \"<24 hex digits>\"}") }
            id = parsed
        } else {
            id = .generate(at: syncer.now())
        }
        doc.setFirst("_id", id.json)
        try normalize(&doc, ruleType: ruleType)

        let uniqueField = RuleTypeCatalog.uniqueField(of: ruleType)
        let uniqueValue = doc[uniqueField]?.stringValue
        let byID = try writer.document(ofType: ruleType, id: id)
        let byName = try uniqueValue.flatMap { try writer.document(ofType: ruleType, unique: $0) }
        if override || (byID ?? byName) == nil { try authorize(doc, replacing: byID ?? byName, ofType: ruleType) }
        guard let existing = byID ?? byName else {
            // Hosts and templates share one table where hostnames and ids are unique.
            if RuleTypeCatalog.collection(of: ruleType) == .hosts {
                let other = ruleType == RuleTypeCatalog.hosts ? RuleTypeCatalog.templates : RuleTypeCatalog.hosts
                if try writer.document(ofType: other, id: id) != nil
                    || uniqueValue.flatMap({ try? writer.document(ofType: other, unique: $0) }) != nil
                {
                    throw InvalidDocument(reason: "its _id or hostname is already used by a document of \(other)")
                }
            }
            try writer.insertDocument(ofType: ruleType, doc)
            return .added
        }
        guard override else { return .duplicate }
        let existingID = ObjectID(json: existing["_id"] ?? .null)!
        if let byID, let byName, byID != byName {
            throw InvalidDocument(reason: "its _id and its \(uniqueField) '\(uniqueValue!)' belong to two different stored documents")
        }
        doc = SecretFields.keepingStoredSecrets(doc, existing: existing)
        try writer.replaceDocument(ofType: ruleType, id: existingID, with: doc)
        return .replaced
    }

    // MARK: What the principal may write

    /// The trust rules of a write beyond "read-only users write nothing" (DESIGN.md,
    /// "Trust boundaries"): without `all`, no cron group that reaches the runner's machine,
    /// and no account that holds a password repointed or given a child; with an account
    /// restriction, only the principal's accounts and their hosts.
    func authorize(_ doc: JSONObject, replacing existing: JSONObject?, ofType ruleType: String) throws {
        switch ruleType {
        case RuleTypeCatalog.cronGroups:
            let reaches = CronGroup(document: doc).reachesMachine || existing.map { CronGroup(document: $0).reachesMachine } == true
            if reaches {
                try principal.requireAll("creating or changing a cron group with exec or export_bundle jobs")
            }
        case RuleTypeCatalog.accounts:
            let account = Account(document: doc)
            if !principal.reaches(account: account.name) || (existing.map { !principal.reaches(account: Account(document: $0).name) } ?? false) {
                throw SyncerError.permissionDenied("account '\(account.name)' is outside the accounts user '\(principal.name)' is restricted to")
            }
            guard !principal.holdsAll else { return }
            if let existing, try holdsPassword(Account(document: existing)) {
                let old = Account(document: existing)
                for key in Self.accountTargetFields where (doc[key] ?? .null) != (existing[key] ?? .null) {
                    throw SyncerError.permissionDenied(
                        "account '\(old.name)' holds a password; changing its '\(key)' needs the 'all' API role")
                }
            }
            if account.isChild, let ref = account.parent, let parent = try parentAccount(ref), try holdsPassword(parent) {
                let sameAsBefore = existing.map { Account(document: $0).isChild && Account(document: $0).parent == ref } ?? false
                if !sameAsBefore {
                    throw SyncerError.permissionDenied(
                        "account '\(parent.name)' holds a password; making a child account under it needs the 'all' API role")
                }
            }
        case RuleTypeCatalog.hosts:
            for host in [doc] + (existing.map { [$0] } ?? []) {
                let h = HostObject(document: host)
                if !principal.reaches(account: h.sourceAccountName) {
                    throw SyncerError.permissionDenied(
                        "host '\(h.hostname)' belongs to an account outside those user '\(principal.name)' is restricted to")
                }
            }
        default:
            return
        }
    }

    /// The fields that decide where an account's password is sent (or which password a
    /// child inherits). `custom_fields` and `plugin_settings` are among them: plugins read
    /// URLs and host names from both.
    static let accountTargetFields = ["_id", "name", "typ", "type", "address", "username", "parent", "is_child",
                                      "custom_fields", "plugin_settings"]

    private func parentAccount(_ ref: String) throws -> Account? {
        let byID = try ObjectID(ref).flatMap { try writer.document(ofType: RuleTypeCatalog.accounts, id: $0) }
        return try (byID ?? writer.document(ofType: RuleTypeCatalog.accounts, unique: ref)).map(Account.init(document:))
    }

    /// An account holds a password when it stores one or inherits its parent's.
    private func holdsPassword(_ account: Account, depth: Int = 0) throws -> Bool {
        if account.passwordToken?.isEmpty == false { return true }
        guard account.isChild, depth < 8, let ref = account.parent, let parent = try parentAccount(ref) else { return false }
        return try holdsPassword(parent, depth: depth + 1)
    }

    /// Type-specific checks and conversions. Unknown fields are never touched.
    private func normalize(_ doc: inout JSONObject, ruleType: String) throws {
        func requireString(_ key: String) throws {
            guard let s = doc[key]?.stringValue, !s.isEmpty else {
                throw InvalidDocument(reason: "'\(key)' must be a non-empty string")
            }
        }
        func requireType(_ key: String, object: Bool) throws {
            guard let v = doc[key], !v.isNull else { return }
            if object ? v.objectValue == nil : v.arrayValue == nil {
                throw InvalidDocument(reason: "'\(key)' must be \(object ? "an object" : "an array"), not \(v.typeName)")
            }
        }
        func requireDate(_ key: String) throws {
            guard let v = doc[key], !v.isNull else { return }
            if ExtendedDate.date(from: v) == nil {
                throw InvalidDocument(reason: "'\(key)' must be a date ({\"$date\": <ms since epoch>})")
            }
        }
        if let name = doc["name"], !name.isNull, name.stringValue == nil {
            throw InvalidDocument(reason: "'name' must be a string")
        }
        doc[SecretFields.redactionMarker] = nil
        if SecretFields.encryptedPasswordTypes.contains(ruleType) {
            if doc["password_crypted"]?.isNull == true { doc["password_crypted"] = nil }
            // Older exports (and hand-written bundles) carry the password in clear text:
            // store it encrypted, never as given.
            if let plain = doc["password"]?.stringValue {
                do { doc["password_crypted"] = .string(try syncer.cipher().encrypt(plain)) } catch {
                    throw InvalidDocument(reason: "cannot encrypt its password: \(error)")
                }
            }
            doc["password"] = nil
        }
        switch RuleTypeCatalog.collection(of: ruleType) {
        case .hosts:
            try requireString("hostname")
            try Syncer.validateHostname(doc["hostname"]!.stringValue!)
            try requireType("labels", object: true)
            try requireType("inventory", object: true)
            for key in ["last_import_seen", "last_import_sync", "create_time"] { try requireDate(key) }
            if ruleType == RuleTypeCatalog.templates, doc["object_type"] == nil { doc["object_type"] = "template" }
        case .accounts:
            try requireString("name")
            try requireType("custom_fields", object: false)
        case .users:
            try requireString("email")
            do { try Syncer.validateEmail(doc["email"]!.stringValue!) } catch { throw InvalidDocument(reason: "\(error)") }
            if doc["pwdhash"]?.isNull == true { doc["pwdhash"] = nil }
            if let hash = doc["pwdhash"], hash.stringValue == nil { throw InvalidDocument(reason: "'pwdhash' must be a string") }
            try requireType("api_roles", object: false)
            if doc["api_roles"]?.arrayValue?.contains(where: { $0.stringValue == nil }) == true {
                throw InvalidDocument(reason: "'api_roles' must be a list of strings")
            }
        case .rules:
            if ruleType == RuleTypeCatalog.cronGroups {
                try requireString("name")
                try requireType("jobs", object: false)
            }
            if ruleType == RuleTypeCatalog.automation {
                try requireString("name")
                // A template over the bounds is refused here, before any pass renders it.
                if let body = doc["rule_body"]?.stringValue {
                    do { _ = try AutoruleTemplate(body) } catch { throw InvalidDocument(reason: "rule_body: \(error)") }
                }
            }
        }
    }

}

extension Syncer {
    /// Rolls a preview's transaction back while carrying its report out.
    private struct PreviewRollback: Error { let report: ImportReport }

    /// Runs `body` as one import transaction; with `preview` it is rolled back after
    /// computing exactly what would happen.
    private func runImport(override: Bool, preview: Bool, as principal: Principal, summary: String,
                           _ body: (inout BundleImporter) throws -> Void) throws -> ImportReport {
        try principal.requireWrite("import rules")
        do {
            return try store.write { w in
                var importer = BundleImporter(syncer: self, writer: w, principal: principal, override: override)
                try body(&importer)
                let report = importer.report
                if preview { throw PreviewRollback(report: report) }
                try record(w, principal, "Imported \(report.total) documents from \(summary)",
                           details: report.imported.keys.sorted().map { .init("INFO", "\($0): \(report.imported[$0]!)") }
                               + report.skipped.keys.sorted().map { .init("WARNING", "unknown rule type \($0): \(report.skipped[$0]!) skipped") })
                return report
            }
        } catch let rollback as PreviewRollback {
            return rollback.report
        }
    }

    /// Imports a bundle already in memory: `{"rule_type": T, "rules": [...]}` or
    /// `{"rules": {T: [...], ...}}` (the export form).
    public func importBundle(_ payload: JSONValue, override: Bool = false, preview: Bool = false,
                             as principal: Principal) throws -> ImportReport {
        guard let object = payload.objectValue else {
            throw SyncerError.invalidBundle("expected a JSON object with 'rules', got \(payload.typeName)")
        }
        let groups: [(String, JSONValue)]
        switch object["rules"] {
        case .array?:
            guard let type = object["rule_type"]?.stringValue else {
                throw SyncerError.invalidBundle("a 'rules' list needs a 'rule_type' string beside it")
            }
            groups = [(type, object["rules"]!)]
        case .object(let byType)?:
            groups = byType.map { ($0.key, $0.value) }
        default:
            throw SyncerError.invalidBundle("the payload must contain 'rules': a list (with 'rule_type') or an object of lists by rule type")
        }
        return try runImport(override: override, preview: preview, as: principal, summary: "a bundle") { importer in
            for (type, value) in groups {
                guard let docs = value.arrayValue else {
                    throw SyncerError.invalidBundle("rules of type '\(type)' must be a list, not \(value.typeName)")
                }
                guard RuleTypeCatalog.isKnown(type) else { importer.skipUnknown(type, count: docs.count); continue }
                try importer.admit(type)
                for (i, doc) in docs.enumerated() { try importer.importDocument(doc, ofType: type, position: i + 1) }
            }
        }
    }

    /// Creates one rule. A malformed document answers `invalid` (not an error), as
    /// CMDBsyncer's `import_one_rule` does; an unknown type is an error.
    public func createRule(ofType ruleType: String, _ rule: JSONObject, override: Bool = false,
                           as principal: Principal) throws -> CreateRuleResult {
        guard RuleTypeCatalog.isKnown(ruleType) else { throw SyncerError.notFound(kind: "rule type", name: ruleType) }
        try principal.requireWrite("create rules")
        return try store.write { w in
            let importer = BundleImporter(syncer: self, writer: w, principal: principal, override: override)
            try importer.admit(ruleType)
            let outcome: BundleImporter.Outcome
            do { outcome = try importer.importOne(.object(rule), ofType: ruleType) } catch let invalid as BundleImporter.InvalidDocument {
                return CreateRuleResult(ruleType: ruleType, status: "invalid", reason: invalid.reason)
            }
            if outcome == .duplicate { return CreateRuleResult(ruleType: ruleType, status: "duplicate") }
            let label = rule["name"]?.stringValue ?? rule[RuleTypeCatalog.uniqueField(of: ruleType)]?.stringValue ?? "unnamed"
            try record(w, principal, "\(outcome == .replaced ? "Replaced" : "Created") \(ruleType) rule '\(label)'")
            return CreateRuleResult(ruleType: ruleType, status: "imported")
        }
    }

    /// Imports a bundle file without building its whole tree: documents are read one at a
    /// time from the mapped file. Accepts the JSON export form and CMDBsyncer's JSONL form
    /// (a `{"rule_type": T}` line, then one document per line).
    public func importBundle(file path: String, override: Bool = false, preview: Bool = false,
                             as principal: Principal) throws -> ImportReport {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw SyncerError.invalidBundle("cannot read \(path): no such file") }
        // Foundation leaks a buffer when it maps an empty file (found by fuzzing), and an
        // empty bundle is an error anyway.
        guard size > 0 else { throw SyncerError.invalidBundle("\(path) is empty") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw SyncerError.invalidBundle("cannot read \(path): \(error.localizedDescription)")
        }
        let name = (path as NSString).lastPathComponent
        return try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            if let lines = Self.jsonLines(bytes) {
                return try runImport(override: override, preview: preview, as: principal, summary: name) { importer in
                    try Self.importLines(lines, bytes, into: &importer)
                }
            }
            return try runImport(override: override, preview: preview, as: principal, summary: name) { importer in
                do {
                    try Self.streamBundle(bytes, into: &importer)
                } catch let error as JSONParseError {
                    throw SyncerError.invalidBundle("\(name): \(error); nothing was imported")
                }
            }
        }
    }

    private static func streamBundle(_ bytes: UnsafeBufferPointer<UInt8>, into importer: inout BundleImporter) throws {
        var reader = JSONReader(bytes)
        guard try reader.peekKind() == UInt8(ascii: "{") else {
            throw SyncerError.invalidBundle("expected a JSON object with 'rules'")
        }
        try reader.beginObject()
        var singleType: String?
        var pendingList: [JSONValue]?
        var sawRules = false
        // Duplicate keys are refused here as the tree parser refuses them.
        var seenKeys = Set<String>()
        while let key = try reader.nextKey() {
            guard seenKeys.insert(key).inserted else { throw SyncerError.invalidBundle("duplicate key '\(key)' in the bundle") }
            switch key {
            case "rule_type":
                guard let type = try reader.readValue().stringValue else { throw SyncerError.invalidBundle("'rule_type' must be a string") }
                singleType = type
            case "rules":
                sawRules = true
                let kind = try reader.peekKind()
                if kind == UInt8(ascii: "[") {
                    // The type may come after the list; keep the list until the end.
                    pendingList = try reader.readValue().arrayValue
                } else if kind == UInt8(ascii: "{") {
                    try reader.beginObject()
                    var seenTypes = Set<String>()
                    while let type = try reader.nextKey() {
                        guard seenTypes.insert(type).inserted else {
                            throw SyncerError.invalidBundle("rule type '\(type)' appears twice in 'rules'")
                        }
                        guard try reader.peekKind() == UInt8(ascii: "[") else {
                            throw SyncerError.invalidBundle("rules of type '\(type)' must be a list")
                        }
                        try reader.beginArray()
                        let known = RuleTypeCatalog.isKnown(type)
                        if known { try importer.admit(type) }
                        var position = 0
                        while try reader.nextElement() {
                            position += 1
                            if known {
                                try importer.importDocument(try reader.readValue(), ofType: type, position: position)
                            } else {
                                try reader.skipValue()
                                importer.skipUnknown(type, count: 1)
                            }
                        }
                    }
                } else {
                    throw SyncerError.invalidBundle("'rules' must be a list or an object of lists by rule type")
                }
            default:
                try reader.skipValue()
            }
        }
        try reader.expectEnd()
        guard sawRules else { throw SyncerError.invalidBundle("the file has no 'rules'") }
        if let list = pendingList {
            guard let type = singleType else { throw SyncerError.invalidBundle("a 'rules' list needs a 'rule_type' string beside it") }
            guard RuleTypeCatalog.isKnown(type) else { importer.skipUnknown(type, count: list.count); return }
            try importer.admit(type)
            for (i, doc) in list.enumerated() { try importer.importDocument(doc, ofType: type, position: i + 1) }
        }
    }

    /// Line ranges if the file is JSONL with a `{"rule_type": …}` header first, else nil.
    /// Only the first line is looked at before deciding, so a big JSON bundle costs nothing here.
    private static func jsonLines(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>]? {
        func isBlank(_ r: Range<Int>) -> Bool { r.allSatisfy { [0x20, 0x09, 0x0D].contains(bytes[$0]) } }
        func nextLine(from start: Int) -> Range<Int> {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            return start..<end
        }
        var first = nextLine(from: 0)
        while isBlank(first), first.upperBound < bytes.count { first = nextLine(from: first.upperBound + 1) }
        guard let header = (try? JSONReader.parse(UnsafeBufferPointer(rebasing: bytes[first])))?.objectValue,
            header.count == 1, header["rule_type"]?.stringValue != nil
        else { return nil }
        var lines: [Range<Int>] = []
        var line = first
        while true {
            if !isBlank(line) { lines.append(line) }
            guard line.upperBound < bytes.count else { break }
            line = nextLine(from: line.upperBound + 1)
        }
        return lines.count >= 2 ? lines : nil
    }

    private static func importLines(_ lines: [Range<Int>], _ bytes: UnsafeBufferPointer<UInt8>,
                                    into importer: inout BundleImporter) throws {
        var type: String?
        var position = 0
        for (number, range) in lines.enumerated() {
            let value: JSONValue
            do { value = try JSONReader.parse(UnsafeBufferPointer(rebasing: bytes[range])) } catch {
                throw SyncerError.invalidBundle("line \(number + 1): \(error); nothing was imported")
            }
            if let header = value.objectValue, header.count == 1, let next = header["rule_type"]?.stringValue {
                type = next
                position = 0
                if RuleTypeCatalog.isKnown(next) { try importer.admit(next) }
                continue
            }
            guard let type else { continue }
            position += 1
            if RuleTypeCatalog.isKnown(type) {
                try importer.importDocument(value, ofType: type, position: position)
            } else {
                importer.skipUnknown(type, count: 1)
            }
        }
    }
}
