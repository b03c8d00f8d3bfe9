import Foundation
import SyncerConsole
import SyncerCore
import Testing

/// API tokens on the Users screen: `t` lists a user's tokens, `n` creates one and shows its
/// secret once, `x` revokes one after a typed confirmation; read-only consoles only list.
@Suite struct TokensScreenTests {
    static let admin = Principal(name: "tester@console", apiRoles: [.all], readonly: false, source: "test")

    /// Creates a token through the core and masks its random parts on the console's screen.
    @discardableResult
    static func token(_ console: ConsoleHarness, for email: String, label: String? = nil, days: Int? = nil)
        throws -> (plaintext: String, token: APIToken) {
        let created = try console.syncer.createAPIToken(for: email, label: label, expiresInDays: days, as: admin)
        mask(console, created.plaintext, created.token)
        return created
    }

    /// Same-width stand-ins, so snapshots keep their columns: `tok1____…`, `cmdb_pat_1#####`.
    static func mask(_ console: ConsoleHarness, _ plaintext: String?, _ token: APIToken) {
        let n = console.masks.count / 4 + 1
        console.masks.append((plaintext ?? token.prefix, "cmdb_pat_" + String(repeating: "x", count: (plaintext ?? token.prefix).count - 9)))
        let id = "tok\(n)" + String(repeating: "_", count: token.tokenID.count - 3 - "\(n)".count)
        console.masks.append((token.tokenID, id))
        console.masks.append((String(token.tokenID.prefix(8)), String(id.prefix(8))))  // the list's short id
        console.masks.append((token.prefix, "cmdb_pat_\(n)" + String(repeating: "#", count: token.prefix.count - 9 - "\(n)".count)))
    }

    static func newToken(_ state: AppState) -> NewToken? {
        for modal in state.modals { if case .newToken(let created) = modal { return created } }
        return nil
    }

    static func tokenList(_ state: AppState) -> TokenList? {
        for modal in state.modals { if case .tokens(let list) = modal { return list } }
        return nil
    }

    @Test func listsTheTokensOfTheSelectedUser() throws {
        let console = try ConsoleHarness()
        let laptop = try Self.token(console, for: "mcp@example.org", label: "laptop", days: 30)
        try Self.token(console, for: "mcp@example.org")
        _ = try console.syncer.authenticate(token: laptop.plaintext)  // stamps last used
        console.press("jt")
        Snapshot.check(console.screen, "users-tokens-list")
        let screen = console.screen
        #expect(screen.contains("laptop") && screen.contains("API token") && screen.contains("never"))
        #expect(screen.contains("2025-12-24 16:00"))  // expires in 30 days
        for token in try console.syncer.apiTokens(of: "mcp@example.org") {
            #expect(!FrameRenderer.render(console.state).snapshot.contains(token.tokenHash))
        }
        // The list is a modal over Users: Esc closes it, q too, and neither quits.
        console.press("<Esc>")
        #expect(console.state.modals.isEmpty && !console.state.shouldQuit)
        console.press("tq")
        #expect(console.state.modals.isEmpty && !console.state.shouldQuit)
        #expect(console.state.page == .users)
    }

    @Test func anEmptyListSaysHowToCreateOneAndWarnsWithoutTheMcpRole() throws {
        let console = try ConsoleHarness()
        console.press("jjjt")  // ci-bot holds no API role
        Snapshot.check(console.screen, "users-tokens-empty")
        #expect(console.screen.contains("No API tokens. Press n to create one."))
        #expect(console.screen.contains("holds neither mcp nor all"))
    }

    @Test func createShowsTheSecretOnceAndItSignsIn() throws {
        let console = try ConsoleHarness()
        console.press("jtn")
        console.press("deploy<Enter>abc<Enter>")
        #expect(console.screen.contains("a whole number from 1 to 36500"))
        #expect(try console.syncer.apiTokens(of: "mcp@example.org").isEmpty)
        console.press("<C-u>90")
        Snapshot.check(console.screen, "users-tokens-create-form")
        console.press("<Enter>")

        let created = try #require(Self.newToken(console.state))
        let stored = try #require(try console.syncer.apiTokens(of: "mcp@example.org").first)
        Self.mask(console, created.plaintext, stored)
        #expect(created.plaintext.hasPrefix("cmdb_pat_") && created.tokenID == stored.tokenID)
        #expect(FrameRenderer.render(console.state).snapshot.contains(created.plaintext))
        Snapshot.check(console.screen, "users-tokens-created")
        #expect(stored.label == "deploy")
        #expect(stored.expiresAt == ConsoleHarness.fixedNow.addingTimeInterval(90 * 86_400))
        #expect(try console.syncer.authenticate(token: created.plaintext).user.email == "mcp@example.org")

        // Never in a status line, the store's log, or a dump of the state.
        #expect(console.state.flash?.text.contains(created.plaintext) == false)
        #expect(console.state.flash?.text.contains(stored.tokenID) == true)
        for entry in try console.syncer.logPage(before: nil, limit: 50) {
            #expect(!"\(entry.entry)".contains(created.plaintext))
        }
        var dumped = ""
        dump(console.state, to: &dumped)
        #expect(!dumped.contains(created.plaintext) && !"\(created)".contains(created.plaintext))

        // Other keys cannot lose it; Enter (or Esc) drops it for good.
        console.press("qxj ")
        #expect(Self.newToken(console.state) != nil)
        console.press("<Enter>")
        #expect(Self.newToken(console.state) == nil)
        #expect(!FrameRenderer.render(console.state).snapshot.contains("cmdb_pat_\(created.plaintext.dropFirst(15))"))
        dumped = ""
        dump(console.state, to: &dumped)
        #expect(!dumped.contains(created.plaintext))
        // Back on the reloaded list, which shows the new token.
        let list = try #require(Self.tokenList(console.state))
        #expect(list.tokens?.map(\.tokenID) == [stored.tokenID])
        #expect(console.screen.contains("deploy"))
    }

    @Test func anEmptyLabelAndExpiryMakeANeverExpiringDefaultToken() throws {
        let console = try ConsoleHarness()
        console.press("jtn<Enter><Enter>")
        let created = try #require(Self.newToken(console.state))
        let stored = try #require(try console.syncer.apiTokens(of: "mcp@example.org").first)
        #expect(stored.label == APIToken.defaultLabel && stored.expiresAt == nil)
        #expect(stored.tokenID == created.tokenID)
        console.press("<Esc>")
        #expect(Self.newToken(console.state) == nil && Self.tokenList(console.state) != nil)
    }

    @Test func revokeAsksForTheWordAndRemovesTheToken() throws {
        let console = try ConsoleHarness()
        let keep = try Self.token(console, for: "mcp@example.org", label: "keep")
        let doomed = try Self.token(console, for: "mcp@example.org", label: "old laptop")
        console.press("jtjx")
        Snapshot.check(console.screen, "users-tokens-revoke-confirm")
        console.press("nope<Enter>")
        #expect(console.screen.contains("Type revoke to confirm"))
        #expect(try console.syncer.apiTokens(of: "mcp@example.org").count == 2)
        console.press("revoke<Enter>")
        #expect(try console.syncer.apiTokens(of: "mcp@example.org").map(\.tokenID) == [keep.token.tokenID])
        #expect(throws: SyncerError.self) { try console.syncer.authenticate(token: doomed.plaintext) }
        _ = try console.syncer.authenticate(token: keep.plaintext)
        #expect(console.screen.contains("Revoked API token \(doomed.token.tokenID) of mcp@example.org".replacingOccurrences(
            of: doomed.token.tokenID, with: console.masks.first { $0.0 == doomed.token.tokenID }!.1)))
        let list = try #require(Self.tokenList(console.state))
        #expect(list.tokens?.map(\.label) == ["keep"] && list.cursor.selected == 0)
        // `d` revokes too; Esc at the confirmation keeps the token.
        console.press("d<Esc>")
        #expect(try console.syncer.apiTokens(of: "mcp@example.org").count == 1)
    }

    @Test func readOnlyListsButOffersNoCreateOrRevoke() throws {
        let console = try ConsoleHarness(readOnly: true)
        try Self.token(console, for: "mcp@example.org", label: "laptop")
        console.press("jt")
        #expect(console.screen.contains("laptop"))
        console.press("naxd")
        #expect(console.state.modals.count == 1)
        #expect(try console.syncer.apiTokens(of: "mcp@example.org").count == 1)
        Snapshot.check(console.screen, "users-tokens-read-only")
        #expect(!console.screen.contains("New") && !console.screen.contains("Revoke"))
        console.press("<Esc>?")
        #expect(console.screen.contains("API tokens of the user"))
        #expect(!console.screen.contains("Create a token") && !console.screen.contains("Revoke the token"))
    }

    @Test func helpListsTheTokenKeys() throws {
        let console = try ConsoleHarness(height: 40)
        console.press("?")
        Snapshot.check(console.screen, "help-users")
        for text in ["t           API tokens of the user", "In the API token list (t)", "n/a         Create a token",
                     "x/d         Revoke the token", "Esc/q       Close the token list"] {
            #expect(console.screen.contains(text), "\(text)")
        }
    }

    @Test func labelsShowTheirControlCharactersEscaped() throws {
        let console = try ConsoleHarness(width: 140)
        try Self.token(console, for: "mcp@example.org", label: "a\u{1b}[2Jb\u{9b}c\u{202e}d\u{07}")
        console.press("jt")
        #expect(console.screen.contains("a\\x1b[2Jb\\u{9b}c\\u{202e}d\\x07"))
        #expect(ControlCharacterTests.noControlCells(FrameRenderer.render(console.state)))
        console.press("x")
        #expect(console.screen.contains("a\\x1b[2Jb\\u{9b}c\\u{202e}d\\x07"))
        #expect(ControlCharacterTests.noControlCells(FrameRenderer.render(console.state)))
    }

    @Test func anExpiredTokenIsMarked() throws {
        let console = try ConsoleHarness()
        try Self.token(console, for: "mcp@example.org", label: "short", days: 1)
        console.syncer.now = { ConsoleHarness.fixedNow.addingTimeInterval(2 * 86_400) }
        console.press("jt")
        #expect(console.screen.contains("expired"))
    }

    @Test func theSecretFitsOnTheSmallestScreenAndTheListScrolls() throws {
        let console = try ConsoleHarness(width: AppState.minimumWidth, height: AppState.minimumHeight)
        for i in 1...5 { try Self.token(console, for: "mcp@example.org", label: "t\(i)") }
        console.press("jtG")
        let list = try #require(Self.tokenList(console.state))
        #expect(list.cursor.selected == 4 && console.screen.contains("t5"))
        console.resize(AppState.minimumWidth, AppState.minimumHeight + 1)
        console.resize(AppState.minimumWidth, AppState.minimumHeight)
        #expect(console.screen.contains("t5"))
        console.press("n<Enter><Enter>")
        let created = try #require(Self.newToken(console.state))
        #expect(FrameRenderer.render(console.state).snapshot.contains(created.plaintext))
    }
}
