import Foundation
import Testing
@testable import SyncerCore

@Suite struct APITokenTests {
    @Test func mintsTokensByCMDBsyncersRecipe() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let (plaintext, token) = APIToken.mint(label: "  ci  ", expiresAt: nil, now: now)
        // cmdb_pat_ + secrets.token_urlsafe(32): 43 base64url characters, no padding.
        #expect(plaintext.hasPrefix("cmdb_pat_") && plaintext.count == 9 + 43)
        #expect(plaintext.utf8.dropFirst(9).allSatisfy(APIToken.isBase64URL))
        #expect(token.tokenHash == APIToken.hash(plaintext) && token.tokenHash.count == 64)
        #expect(token.prefix == String(plaintext.prefix(15)))
        #expect(token.tokenID.count == 32 && token.tokenID.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(token.label == "ci" && token.createdAt == now && token.lastUsedAt == nil && token.expiresAt == nil)
        #expect(APIToken.mint(label: nil, expiresAt: nil, now: now).token.label == "API token")
        #expect(APIToken.mint(label: String(repeating: "x", count: 300), expiresAt: nil, now: now).token.label.count == 120)
        #expect(APIToken.mint(label: nil, expiresAt: nil, now: now).plaintext != plaintext)
        // hashlib.sha256(b"cmdb_pat_test").hexdigest()
        #expect(APIToken.hash("cmdb_pat_test") == "a027d50a2a1b8626a98775d6aae532d28bd3c4a1f92928f3141ae2bf48945e13")
    }

    @Test func storesTheDocumentShapeCMDBsyncerExports() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.5)
        let (_, token) = APIToken.mint(label: "x", expiresAt: now.addingTimeInterval(86_400), now: now)
        guard case .object(let o) = token.json else { Issue.record("not an object"); return }
        #expect(Set(o.map(\.key)) == ["token_id", "token_hash", "label", "prefix", "created_at", "last_used_at", "expires_at"])
        #expect(o["created_at"] == ["$date": .int(1_800_000_000_500)])
        #expect(o["last_used_at"] == .null)
        #expect(APIToken(json: token.json) == token)
        // The list form never carries the hash.
        #expect(token.listEntry["token_hash"] == nil && token.listEntry["token_id"] == .string(token.tokenID))
        // CMDBsyncer exports ISO dates too; both read back.
        let foreign = try json(#"{"token_id":"a","token_hash":"b","created_at":{"$date":"2026-01-02T03:04:05Z"}}"#)
        #expect(APIToken(json: foreign)?.createdAt == ExtendedDate.parseISO("2026-01-02T03:04:05Z"))
        #expect(APIToken(json: try json(#"{"token_hash":"b"}"#)) == nil)
    }

    @Test func parsesOnlyTokenShapedText() {
        #expect(APIToken.parse("cmdb_pat_abc-_DEF019") == "cmdb_pat_abc-_DEF019")
        #expect(APIToken.parse(" cmdb_pat_abc ") == "cmdb_pat_abc")
        for bad in ["", "cmdb_pat_", "cmdb_pat_a b", "cmdb_pat_ä", "CMDB_PAT_abc", "pat_abc", "cmdb_pat_abc=",
                    "cmdb_pat_" + String(repeating: "a", count: 504)] {
            #expect(APIToken.parse(bad) == nil, "\(bad.prefix(20))")
        }
    }

    @Test func createsListsRevokesAndAuthenticates() throws {
        let db = try TestDatabase()
        try db.syncer.addUser(email: "bot@example.org", password: "long enough", apiRoles: [.mcp], as: admin)
        let (plaintext, token) = try db.syncer.createAPIToken(for: "bot@example.org", label: "ci", as: admin)
        #expect(try db.syncer.apiTokens(of: "bot@example.org") == [token])
        let (user, id) = try db.syncer.authenticate(token: plaintext)
        #expect(user.email == "bot@example.org" && id == token.tokenID)
        // Stored as CMDBsyncer stores it: the hash, never the plaintext.
        let stored = try db.syncer.user(email: "bot@example.org").document["api_tokens"]?.compactText ?? ""
        #expect(stored.contains(token.tokenHash) && !stored.contains(plaintext))
        try db.syncer.revokeAPIToken(token.tokenID, of: "bot@example.org", as: admin)
        #expect(throws: Syncer.loginRefused()) { try db.syncer.authenticate(token: plaintext) }
        #expect(throws: SyncerError.notFound(kind: "API token", name: token.tokenID)) {
            try db.syncer.revokeAPIToken(token.tokenID, of: "bot@example.org", as: admin)
        }
        // Both writes are logged with the acting user.
        let logs = try db.syncer.recentLogs(limit: 10).map(\.message)
        #expect(logs.contains("Created API token \(token.tokenID) 'ci' (user bot@example.org)"))
        #expect(logs.contains("Revoked API token \(token.tokenID) (user bot@example.org)"))
        #expect(try db.syncer.recentLogs(limit: 10).filter { $0.message.contains("API token") }.allSatisfy { $0.user == admin.name })
        #expect(throws: SyncerError.self) {
            try db.syncer.createAPIToken(for: "bot@example.org", as: readonlyUser)
        }
        #expect(throws: SyncerError.self) { try db.syncer.createAPIToken(for: "bot@example.org", expiresInDays: 0, as: admin) }
    }

    @Test func refusesExpiredTokensDisabledOwnersAndMissingRolesLikeAWrongPassword() throws {
        let db = try TestDatabase()
        try db.syncer.addUser(email: "bot@example.org", password: "long enough", apiRoles: [.mcp], as: admin)
        let (expiring, _) = try db.syncer.createAPIToken(for: "bot@example.org", expiresInDays: 1, as: admin)
        let (plain, _) = try db.syncer.createAPIToken(for: "bot@example.org", as: admin)
        let start = Date()
        db.syncer.now = { start.addingTimeInterval(86_401) }
        #expect(throws: Syncer.loginRefused()) { try db.syncer.authenticate(token: expiring) }
        _ = try db.syncer.authenticate(token: plain)
        try db.syncer.revoke([.mcp], from: "bot@example.org", as: admin)
        #expect(throws: Syncer.loginRefused()) { try db.syncer.authenticate(token: plain) }
        try db.syncer.grant([.all], to: "bot@example.org", as: admin)
        _ = try db.syncer.authenticate(token: plain)
        try db.syncer.setDisabled(true, for: "bot@example.org", as: admin)
        #expect(throws: Syncer.loginRefused()) { try db.syncer.authenticate(token: plain) }
        #expect(throws: Syncer.loginRefused()) { try db.syncer.authenticate(token: "cmdb_pat_unknown") }
        #expect(throws: Syncer.loginRefused()) { try db.syncer.authenticate(token: "garbage") }
    }

    @Test func stampsLastUseAtMostOnceAMinute() throws {
        let db = try TestDatabase()
        try db.syncer.addUser(email: "bot@example.org", password: "long enough", apiRoles: [.mcp], as: admin)
        let (plain, token) = try db.syncer.createAPIToken(for: "bot@example.org", as: admin)
        let start = Date(timeIntervalSince1970: 1_900_000_000)
        var clock = start
        db.syncer.now = { [clock] in clock }
        func lastUsed() throws -> Date? { try db.syncer.apiTokens(of: "bot@example.org").first?.lastUsedAt }
        _ = try db.syncer.authenticate(token: plain)
        #expect(try lastUsed() == start)
        clock = start.addingTimeInterval(30)
        db.syncer.now = { [clock] in clock }
        _ = try db.syncer.authenticate(token: plain)
        _ = try db.syncer.recheckSession(userID: try db.syncer.user(email: "bot@example.org").id!, tokenID: token.tokenID)
        #expect(try lastUsed() == start)  // not written again inside the minute
        clock = start.addingTimeInterval(61)
        db.syncer.now = { [clock] in clock }
        _ = try db.syncer.authenticate(token: plain)
        #expect(try lastUsed() == start.addingTimeInterval(61))
    }

    @Test func rechecksASessionAndSaysWhy() throws {
        let db = try TestDatabase()
        try db.syncer.addUser(email: "bot@example.org", password: "long enough", apiRoles: [.mcp], as: admin)
        let (_, token) = try db.syncer.createAPIToken(for: "bot@example.org", as: admin)
        let id = try db.syncer.user(email: "bot@example.org").id!
        #expect(try db.syncer.recheckSession(userID: id, tokenID: token.tokenID).email == "bot@example.org")
        try db.syncer.setReadonly(true, for: "bot@example.org", as: admin)
        #expect(try db.syncer.recheckSession(userID: id, tokenID: nil).readonly)  // read-only is not a refusal
        try db.syncer.revokeAPIToken(token.tokenID, of: "bot@example.org", as: admin)
        #expect(throws: SyncerError.authenticationFailed("the API token of this session has been revoked")) {
            try db.syncer.recheckSession(userID: id, tokenID: token.tokenID)
        }
        try db.syncer.revoke([.mcp], from: "bot@example.org", as: admin)
        #expect(throws: SyncerError.authenticationFailed("user 'bot@example.org' no longer holds the 'mcp' or 'all' API role")) {
            try db.syncer.recheckSession(userID: id, tokenID: nil)
        }
        try db.syncer.setDisabled(true, for: "bot@example.org", as: admin)
        #expect(throws: SyncerError.authenticationFailed("user 'bot@example.org' has been disabled")) {
            try db.syncer.recheckSession(userID: id, tokenID: nil)
        }
    }
}
