import Foundation

extension Syncer {
    /// The accounts the principal reaches (all of them unless it is restricted).
    public func listAccounts(as principal: Principal) throws -> [Account] {
        try store.read { r in
            try r.documents(ofType: RuleTypeCatalog.accounts, afterSeq: 0, limit: Int.max).map { Account(document: $0.document) }
        }.filter { principal.reaches(account: $0.name) }
    }

    /// The resolved account as CMDBsyncer's `get_account_by_name` returns it: custom fields
    /// flattened to top-level keys, a child inheriting what it lacks from its parent, and
    /// the password in clear text when `revealPassword` is asked for by a holder of `all`;
    /// otherwise `password: null` and `password_redacted: true`. MCP reveals to `all`
    /// holders (as CMDBsyncer does); the console and the admin command only on request.
    public func resolvedAccount(named name: String, as principal: Principal, revealPassword: Bool) throws -> JSONObject {
        try principal.requireReach(account: name, kind: "account", named: name)
        let (account, parent) = try store.read { r -> (Account, Account?) in
            guard let doc = try r.document(ofType: RuleTypeCatalog.accounts, unique: name) else {
                throw SyncerError.notFound(kind: "account", name: name)
            }
            let account = Account(document: doc)
            var parent: Account?
            if account.isChild, let ref = account.parent {
                let byID = ObjectID(ref).flatMap { try? r.document(ofType: RuleTypeCatalog.accounts, id: $0) }
                parent = try (byID ?? r.document(ofType: RuleTypeCatalog.accounts, unique: ref)).map(Account.init(document:))
            }
            return (account, parent)
        }
        var out = JSONObject()
        func merge(_ a: Account) {
            for (key, value) in a.document {
                switch key {
                case "_id", "typ", "custom_fields", "plugin_settings":
                    continue
                case _ where SecretFields.names.contains(key):
                    continue
                default:
                    out[key] = Self.plainDates(value)
                }
            }
            for field in a.document["custom_fields"]?.arrayValue ?? [] {
                if let fieldName = field["name"]?.stringValue { out[fieldName] = field["value"] ?? .null }
            }
        }
        if let parent { merge(parent) }
        merge(account)
        out.setFirst("name", .string(account.name))
        out.setFirst("id", .string(account.id?.hex))
        out["type"] = .string(account.type)
        let token = account.passwordToken ?? parent?.passwordToken
        if revealPassword && principal.holdsAll {
            if let token {
                // A missing or unsafe key file is the operator's to fix: fail. A token made
                // with another key only costs this account its password: say so in the record.
                let fernet = try cipher()
                do { out["password"] = .string(try fernet.decrypt(token)) } catch {
                    out["password"] = .null
                    out["password_error"] = .string("\(error)")
                }
            } else {
                out["password"] = .null
            }
        } else {
            out["password"] = .null
            out[SecretFields.redactionMarker] = true
        }
        // Custom fields and inherited values may carry secrets of their own.
        return revealPassword && principal.holdsAll ? out : SecretFields.redacted(out)
    }

    /// Turns `{"$date": ms}` into ISO strings for human-facing records.
    static func plainDates(_ value: JSONValue) -> JSONValue {
        if let date = ExtendedDate.date(from: value) { return .string(ExtendedDate.iso(date)) }
        switch value {
        case .object(let o): return .object(JSONObject(o.map { ($0.key, plainDates($0.value)) }))
        case .array(let a): return .array(a.map(plainDates))
        default: return value
        }
    }

    /// Creates an account; the password is stored only as a Fernet token.
    @discardableResult
    public func addAccount(
        name: String, type: String, address: String = "", username: String = "", password: String? = nil,
        isMaster: Bool = false, customFields: [(String, String)] = [], as principal: Principal
    ) throws -> Account {
        try principal.requireWrite("create accounts")
        guard !name.isEmpty else { throw SyncerError.invalidArgument("account name must not be empty") }
        let token = try password.map { try cipher().encrypt($0) }
        return try store.write { w in
            if try w.document(ofType: RuleTypeCatalog.accounts, unique: name) != nil {
                throw SyncerError.alreadyExists(kind: "account", name: name)
            }
            var doc: JSONObject = [
                "_id": ObjectID.generate(at: now()).json, "name": .string(name), "typ": .string(type),
                "is_master": .bool(isMaster), "is_child": false, "is_object": false,
                "address": .string(address), "username": .string(username),
                "custom_fields": .array(customFields.map { .object(["name": .string($0.0), "value": .string($0.1)]) }),
                "plugin_settings": [], "enabled": true,
            ]
            if let token { doc["password_crypted"] = .string(token) }
            try w.insertDocument(ofType: RuleTypeCatalog.accounts, doc)
            try record(w, principal, "Created account \(name) (\(type))")
            return Account(document: doc)
        }
    }
}
