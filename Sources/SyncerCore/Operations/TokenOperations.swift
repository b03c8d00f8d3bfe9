import Foundation

extension Syncer {
    /// `last_used_at` is stamped at most this often per token, so a busy client does not
    /// write on every request (CMDBsyncer's `_API_TOKEN_TOUCH_INTERVAL`).
    public static let tokenTouchInterval: TimeInterval = 60

    /// Creates a personal API token for `email`. The plaintext is returned here only;
    /// the store keeps its SHA-256.
    public func createAPIToken(for email: String, label: String? = nil, expiresInDays days: Int? = nil,
                               as principal: Principal) throws -> (plaintext: String, token: APIToken) {
        try principal.requireWrite("create API tokens")
        if let days, !(1...36_500).contains(days) {
            throw SyncerError.invalidArgument("--expires-days must be between 1 and 36500, got \(days)")
        }
        let time = now()
        let minted = APIToken.mint(label: label, expiresAt: days.map { time.addingTimeInterval(Double($0) * 86_400) }, now: time)
        try changeTokens(of: email, as: principal,
                         "Created API token \(minted.token.tokenID) '\(minted.token.label)'") { tokens in
            tokens.append(minted.token.json)
        }
        return minted
    }

    /// The user's tokens, oldest first (the hashes stay inside `APIToken`; print `listEntry`).
    public func apiTokens(of email: String) throws -> [APIToken] { try user(email: email).apiTokens }

    /// Removes the token `tokenID` of `email`; it stops working at the next request.
    public func revokeAPIToken(_ tokenID: String, of email: String, as principal: Principal) throws {
        try principal.requireWrite("revoke API tokens")
        try changeTokens(of: email, as: principal, "Revoked API token \(tokenID)") { tokens in
            let before = tokens.count
            tokens.removeAll { $0["token_id"]?.stringValue == tokenID }
            if tokens.count == before { throw SyncerError.notFound(kind: "API token", name: tokenID) }
        }
    }

    /// Edits the raw `api_tokens` list (entries we cannot read stay as they are) in one
    /// write with its log entry naming the acting user.
    private func changeTokens(of email: String, as principal: Principal, _ message: String,
                              _ change: (inout [JSONValue]) throws -> Void) throws {
        let time = now()
        try store.write { w in
            guard let doc = try w.document(ofType: RuleTypeCatalog.users, unique: email) else {
                throw SyncerError.notFound(kind: "user", name: email)
            }
            var user = User(document: doc)
            var tokens = user.document["api_tokens"]?.arrayValue ?? []
            try change(&tokens)
            user.set("api_tokens", .array(tokens))
            user.setDate("date_changed", time)
            try w.replaceDocument(ofType: RuleTypeCatalog.users, id: user.id!, with: user.document)
            try record(w, principal, "\(message) (user \(email))")
        }
    }

    /// Resolves a token plaintext to its enabled owner holding one of `roles` (or `all`).
    /// Unknown, revoked and expired tokens, a disabled owner and a missing role are all
    /// `loginRefused`, as a wrong password is. Hashes are compared in constant time.
    public func authenticate(token plaintext: String, requiring roles: [APIRole] = [.mcp]) throws
        -> (user: User, tokenID: String) {
        guard let plaintext = APIToken.parse(plaintext) else { throw Self.loginRefused(requiring: roles) }
        let hash = APIToken.hash(plaintext)
        let users = try store.read { r in
            try r.documents(ofType: RuleTypeCatalog.users, afterSeq: 0, limit: Int.max).map { User(document: $0.document) }
        }
        var found: (User, APIToken)?
        // Every stored hash is compared, so the time does not tell where a match sits.
        for user in users {
            for token in user.apiTokens where APIToken.digestsEqual(token.tokenHash, hash) && found == nil {
                found = (user, token)
            }
        }
        let time = now()
        guard let (user, token) = found, !token.isExpired(at: time), !user.disabled,
            roles.isEmpty || roles.contains(where: user.holds)
        else { throw Self.loginRefused(requiring: roles) }
        touch(token, of: user, at: time)
        return (user, token.tokenID)
    }

    /// Re-reads a signed-in session's user by id (no password hash, one indexed read) and
    /// says why it may no longer act: stdio runs this before every request, so a disabled
    /// user, a revoked role or token, an expired token take effect at once. Read-only
    /// is not a refusal: the returned user carries the flag and the tool list follows it.
    public func recheckSession(userID: ObjectID, tokenID: String?, requiring roles: [APIRole] = [.mcp]) throws -> User {
        guard let doc = try store.read({ try $0.document(ofType: RuleTypeCatalog.users, id: userID) }) else {
            throw SyncerError.authenticationFailed("the user of this session no longer exists")
        }
        let user = User(document: doc)
        let login = user.email.isEmpty ? user.name : user.email
        if user.disabled { throw SyncerError.authenticationFailed("user '\(login)' has been disabled") }
        if !roles.isEmpty, !roles.contains(where: user.holds) {
            throw SyncerError.authenticationFailed("user '\(login)' no longer holds the \(Self.roleChoice(roles)) API role")
        }
        if let tokenID {
            let time = now()
            guard let token = user.apiTokens.first(where: { $0.tokenID == tokenID }) else {
                throw SyncerError.authenticationFailed("the API token of this session has been revoked")
            }
            if token.isExpired(at: time) { throw SyncerError.authenticationFailed("the API token of this session has expired") }
            touch(token, of: user, at: time)
        }
        return user
    }

    /// Stamps `last_used_at` when the stored stamp is older than `tokenTouchInterval`.
    /// Bookkeeping, not a change by anyone: no log line (it would add one per token per
    /// minute), and a failure to write never refuses the request.
    private func touch(_ token: APIToken, of user: User, at time: Date) {
        if let last = token.lastUsedAt, time.timeIntervalSince(last) < Self.tokenTouchInterval { return }
        guard let id = user.id, TokenTouchLedger.shared.claim(token.tokenID, at: time, interval: Self.tokenTouchInterval)
        else { return }
        do {
            try store.write { w in
                // Re-read inside the write: a token revoked meanwhile must not come back.
                guard let doc = try w.document(ofType: RuleTypeCatalog.users, id: id) else { return }
                var fresh = User(document: doc)
                var tokens = fresh.document["api_tokens"]?.arrayValue ?? []
                guard let index = tokens.firstIndex(where: { $0["token_id"]?.stringValue == token.tokenID }),
                    var entry = tokens[index].objectValue
                else { return }
                entry["last_used_at"] = ExtendedDate.json(time)
                tokens[index] = .object(entry)
                fresh.set("api_tokens", .array(tokens))
                try w.replaceDocument(ofType: RuleTypeCatalog.users, id: id, with: fresh.document)
            }
        } catch {
            logger.warning("could not record the use of API token \(token.tokenID): \(error)")
        }
    }
}

/// The last `last_used_at` stamp this process wrote per token: requests that arrive
/// together in the same minute (stdio runs them concurrently) write it once, not each.
final class TokenTouchLedger: @unchecked Sendable {  // safe: `stamps` is only touched under `lock`
    static let shared = TokenTouchLedger()
    private let lock = NSLock()
    private var stamps: [String: Date] = [:]

    /// True when the caller should write the stamp now (and records that it does).
    func claim(_ tokenID: String, at time: Date, interval: TimeInterval) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let last = stamps[tokenID], time.timeIntervalSince(last) < interval { return false }
        if stamps.count > 10_000 { stamps = stamps.filter { time.timeIntervalSince($0.value) < interval } }
        stamps[tokenID] = time
        return true
    }
}
