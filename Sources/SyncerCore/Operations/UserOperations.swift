import Foundation

extension Syncer {
    /// New passwords must be at least this long.
    public static let minimumPasswordLength = 8

    static func validateEmail(_ email: String) throws {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
        else { throw SyncerError.invalidArgument("'\(email)' is not an e-mail address") }
    }

    static func validatePassword(_ password: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw SyncerError.invalidArgument("the password must be at least \(minimumPasswordLength) characters long")
        }
    }

    public func listUsers() throws -> [User] {
        try store.read { r in
            try r.documents(ofType: RuleTypeCatalog.users, afterSeq: 0, limit: Int.max).map { User(document: $0.document) }
        }
    }

    public func user(email: String) throws -> User {
        guard let doc = try store.read({ try $0.document(ofType: RuleTypeCatalog.users, unique: email) }) else {
            throw SyncerError.notFound(kind: "user", name: email)
        }
        return User(document: doc)
    }

    @discardableResult
    public func addUser(
        email: String, name: String? = nil, password: String, apiRoles: [APIRole] = [], globalAdmin: Bool = false,
        readonly: Bool = false, as principal: Principal
    ) throws -> User {
        try principal.requireWrite("create users")
        try Self.validateEmail(email)
        try Self.validatePassword(password)
        // Hash outside the write transaction: scrypt takes tens of milliseconds and other
        // writers should not wait for it.
        let hash = try PasswordHash.make(password)
        let time = now()
        let roles = Self.sortedUnique(apiRoles)
        return try store.write { w in
            if try w.document(ofType: RuleTypeCatalog.users, unique: email) != nil {
                throw SyncerError.alreadyExists(kind: "user", name: email)
            }
            let doc: JSONObject = [
                "_id": ObjectID.generate(at: time).json, "email": .string(email),
                "pwdhash": .string(hash), "name": .string(name ?? String(email.split(separator: "@")[0])),
                "global_admin": .bool(globalAdmin), "roles": [], "api_roles": .strings(roles.map(\.rawValue)),
                "restrict_to_accounts": [], "restrict_to_templates": [], "api_tokens": [], "theme": "default",
                "disabled": false, "readonly": .bool(readonly), "date_changed": ExtendedDate.json(time),
                "date_password": ExtendedDate.json(time), "force_password_change": false,
            ]
            try w.insertDocument(ofType: RuleTypeCatalog.users, doc)
            try record(w, principal, "Created user \(email)",
                       details: [.init("INFO", "api_roles: \(roles.map(\.rawValue).joined(separator: " "))")])
            return User(document: doc)
        }
    }

    static func sortedUnique(_ roles: [APIRole]) -> [APIRole] { Array(Set(roles)).sorted() }

    /// Applies `change` to one user inside a write transaction and logs `message`.
    private func updateUser(_ email: String, as principal: Principal, _ message: String,
                            _ change: (inout User) throws -> Void) throws -> User {
        try principal.requireWrite("change users")
        let time = now()
        return try store.write { w in
            guard let doc = try w.document(ofType: RuleTypeCatalog.users, unique: email) else {
                throw SyncerError.notFound(kind: "user", name: email)
            }
            var user = User(document: doc)
            try change(&user)
            user.setDate("date_changed", time)
            try w.replaceDocument(ofType: RuleTypeCatalog.users, id: user.id!, with: user.document)
            try record(w, principal, "\(message) (user \(email))")
            return user
        }
    }

    /// Adds API roles; roles the user holds already are kept once.
    @discardableResult
    public func grant(_ roles: [APIRole], to email: String, as principal: Principal) throws -> User {
        try updateUser(email, as: principal, "Granted API roles \(roles.map(\.rawValue).joined(separator: " "))") { user in
            // Unknown role names from a foreign bundle stay as they were.
            var names = user.strings("api_roles")
            for role in Self.sortedUnique(roles) where !names.contains(role.rawValue) { names.append(role.rawValue) }
            user.set("api_roles", .strings(names))
        }
    }

    @discardableResult
    public func revoke(_ roles: [APIRole], from email: String, as principal: Principal) throws -> User {
        try updateUser(email, as: principal, "Revoked API roles \(roles.map(\.rawValue).joined(separator: " "))") { user in
            let removed = Set(roles.map(\.rawValue))
            user.set("api_roles", .strings(user.strings("api_roles").filter { !removed.contains($0) }))
        }
    }

    @discardableResult
    public func setPassword(_ password: String, for email: String, as principal: Principal) throws -> User {
        try Self.validatePassword(password)
        let hash = try PasswordHash.make(password)
        let time = now()
        return try updateUser(email, as: principal, "Changed password") { user in
            user.set("pwdhash", .string(hash))
            user.setDate("date_password", time)
            user.set("force_password_change", false)
        }
    }

    @discardableResult
    public func setDisabled(_ disabled: Bool, for email: String, as principal: Principal) throws -> User {
        try updateUser(email, as: principal, disabled ? "Disabled login" : "Enabled login") { $0.set("disabled", .bool(disabled)) }
    }

    @discardableResult
    public func setReadonly(_ readonly: Bool, for email: String, as principal: Principal) throws -> User {
        try updateUser(email, as: principal, readonly ? "Set read-only" : "Cleared read-only") { $0.set("readonly", .bool(readonly)) }
    }

    /// The one refusal of every failed login (password or token): unknown login, disabled
    /// user, wrong password and missing role read alike, so the answer does not tell which
    /// logins exist or what they hold.
    public static func loginRefused(requiring roles: [APIRole] = [.mcp]) -> SyncerError {
        if roles.isEmpty { return .authenticationFailed("invalid credentials") }
        return .authenticationFailed("invalid credentials, or the user has no \(roleChoice(roles)) API role")
    }

    /// "'mcp' or 'all'": the roles asked for, then `all`, each once.
    static func roleChoice(_ roles: [APIRole]) -> String {
        var seen = Set<APIRole>()
        return (roles + [.all]).filter { seen.insert($0).inserted }.map { "'\($0.rawValue)'" }.joined(separator: " or ")
    }

    /// Verified when no enabled user has the login, so an unknown login costs one scrypt
    /// check with werkzeug's default parameters, as a known one does. It matches no password.
    static let dummyPasswordHash = "scrypt:32768:8:1$cmdbsyncerdummy0$" + String(repeating: "00", count: 64)

    /// Resolves a login (name or e-mail, exact) and password to an enabled user that holds
    /// one of `roles` (or `all`). Every failure is `loginRefused`, and takes the same time:
    /// exactly one password verification runs (against a dummy hash when nobody has the
    /// login), and disabled and role are checked only after it.
    ///
    /// Names are not unique in CMDBsyncer: the user whose e-mail is the login wins, else
    /// the first enabled one with that name; only that user's password is checked.
    ///
    /// With a `cache`, a password that verified against the same stored hash recently is
    /// not run through scrypt again (the HTTP transport checks credentials per request).
    /// `cachedOnly` checks nothing but the cache (no scrypt at all): the HTTP throttle uses
    /// it so a login under attack still serves clients whose password is known good.
    public func authenticate(login: String, password: String, requiring roles: [APIRole] = [.mcp],
                             cache: VerifiedPasswordCache? = nil, cachedOnly: Bool = false) throws -> User {
        let candidates = try store.read { try $0.users(login: login) }
        let user = candidates.first { $0.email == login && !$0.disabled }
            ?? candidates.first { !$0.disabled } ?? candidates.first
        let hash = user?.passwordHash.flatMap { PasswordHash.parse($0) != nil ? $0 : nil } ?? Self.dummyPasswordHash
        let verified: Bool
        if cachedOnly {
            verified = cache?.isFresh(password, against: hash) ?? false
        } else {
            verified = cache?.verify(password, against: hash) ?? PasswordHash.verify(password, against: hash)
        }
        guard verified, let user, user.passwordHash == hash, !user.disabled,
            roles.isEmpty || roles.contains(where: user.holds)
        else { throw Self.loginRefused(requiring: roles) }
        return user
    }
}
