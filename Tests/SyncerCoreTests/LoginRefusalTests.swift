import Foundation
import Testing
@testable import SyncerCore

@Suite struct LoginRefusalTests {
    /// Unknown login, disabled user, wrong password and missing role: one error, one text.
    @Test func everyFailedLoginReadsTheSame() throws {
        let db = try TestDatabase()
        try db.syncer.addUser(email: "ok@example.org", password: "password1", apiRoles: [.mcp], as: admin)
        try db.syncer.addUser(email: "off@example.org", password: "password1", apiRoles: [.mcp], as: admin)
        try db.syncer.setDisabled(true, for: "off@example.org", as: admin)
        try db.syncer.addUser(email: "norole@example.org", password: "password1", as: admin)
        let refused = SyncerError.authenticationFailed("invalid credentials, or the user has no 'mcp' or 'all' API role")
        #expect(Syncer.loginRefused() == refused)
        for (login, password) in [("ghost@example.org", "password1"), ("off@example.org", "password1"),
                                  ("ok@example.org", "wrong-password"), ("norole@example.org", "password1")] {
            #expect(throws: refused, "\(login)") { try db.syncer.authenticate(login: login, password: password) }
        }
        #expect(try db.syncer.authenticate(login: "ok@example.org", password: "password1").email == "ok@example.org")
    }

    /// The dummy hash parses as werkzeug's default scrypt, so an unknown login costs a
    /// full scrypt check, and it matches nothing.
    @Test func unknownLoginsCostOneDefaultScryptCheck() throws {
        #expect(PasswordHash.parse(Syncer.dummyPasswordHash)?.method == PasswordHash.defaultMethod)
        #expect(!PasswordHash.verify("", against: Syncer.dummyPasswordHash))
        let db = try TestDatabase()
        try db.syncer.addUser(email: "ok@example.org", password: "password1", apiRoles: [.mcp], as: admin)
        func time(_ login: String) -> TimeInterval {
            let start = Date()
            _ = try? db.syncer.authenticate(login: login, password: "wrong-password")
            return Date().timeIntervalSince(start)
        }
        let known = (0..<3).map { _ in time("ok@example.org") }.sorted()[1]
        let unknown = (0..<3).map { _ in time("ghost@example.org") }.sorted()[1]
        #expect(unknown > known / 3 && unknown < known * 3, "known \(known) s, unknown \(unknown) s")
    }

    /// `cachedOnly` (the HTTP throttle) accepts a recently verified password and never runs scrypt.
    @Test func cachedOnlyNeedsARecentVerification() throws {
        let db = try TestDatabase()
        try db.syncer.addUser(email: "ok@example.org", password: "password1", apiRoles: [.mcp], as: admin)
        let cache = VerifiedPasswordCache()
        #expect(throws: Syncer.loginRefused()) {
            try db.syncer.authenticate(login: "ok@example.org", password: "password1", cache: cache, cachedOnly: true)
        }
        _ = try db.syncer.authenticate(login: "ok@example.org", password: "password1", cache: cache)
        let start = Date()
        _ = try db.syncer.authenticate(login: "ok@example.org", password: "password1", cache: cache, cachedOnly: true)
        #expect(Date().timeIntervalSince(start) < 0.02)
    }
}
