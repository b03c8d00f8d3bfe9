import SyncerConsole
import SyncerCore
import Testing

@Suite struct UsersScreenTests {
    @Test func startsOnUsersList() throws {
        let console = try ConsoleHarness()
        Snapshot.check(console.screen, "users-list")
    }

    @Test func grantingMcpAsksForTheRoleNameAndStoresIt() throws {
        let console = try ConsoleHarness()
        console.press("jjjr")  // ci-bot has no API roles
        console.press("jj ")
        Snapshot.check(console.screen, "users-grant-mcp-confirm")
        #expect(try console.syncer.user(email: "ci-bot@example.org").apiRoles.isEmpty)
        console.press("mcp<Enter>")
        Snapshot.check(console.screen, "users-grant-mcp-done")
        #expect(try console.syncer.user(email: "ci-bot@example.org").apiRoles == [.mcp])
    }

    @Test func aWrongConfirmationWordGrantsNothing() throws {
        let console = try ConsoleHarness()
        console.press("jjjr")
        console.press("k<Space>")  // `all` is the first row
        console.press("gy<Enter>")
        #expect(try console.syncer.user(email: "ci-bot@example.org").apiRoles.isEmpty)
        #expect(console.screen.contains("Type all to confirm"))
        console.press("<Esc><Esc>")
        #expect(console.state.modals.isEmpty)
    }

    @Test func harmlessRolesToggleWithoutConfirmation() throws {
        let console = try ConsoleHarness()
        console.press("jjjrjjj ")  // objects
        #expect(try console.syncer.user(email: "ci-bot@example.org").apiRoles == [.objects])
        console.press(" ")
        #expect(try console.syncer.user(email: "ci-bot@example.org").apiRoles.isEmpty)
    }

    @Test func revokingMcpNeedsNoConfirmation() throws {
        let console = try ConsoleHarness()
        console.press("jrjj ")  // mcp@example.org holds mcp
        #expect(try console.syncer.user(email: "mcp@example.org").apiRoles.isEmpty)
    }

    @Test func disableAndReadOnlyToggle() throws {
        let console = try ConsoleHarness()
        console.press("jjjd")
        #expect(try console.syncer.user(email: "ci-bot@example.org").disabled)
        console.press("o")
        #expect(try console.syncer.user(email: "ci-bot@example.org").readonly)
        #expect(console.screen.contains("ci-bot@example.org is now read-only"))
        console.press("do")
        let user = try console.syncer.user(email: "ci-bot@example.org")
        #expect(!user.disabled && !user.readonly)
    }

    @Test func createUserHidesThePasswordAndChecksBothCopies() throws {
        let console = try ConsoleHarness()
        console.press("anew@example.org<Enter>New Person<Enter>secret-one<Enter>secret-two<Enter>")
        #expect(console.screen.contains("The passwords do not match"))
        #expect(!console.screen.contains("secret"))
        console.press("correct-horse<Enter>correct-horse")
        Snapshot.check(console.screen, "users-create-form")
        console.press("<Enter>")
        let user = try console.syncer.user(email: "new@example.org")
        #expect(user.name == "New Person")
        _ = try console.syncer.authenticate(login: "new@example.org", password: "correct-horse", requiring: [])
    }

    @Test func resetPassword() throws {
        let console = try ConsoleHarness()
        console.press("jjjpfresh-password<Enter>fresh-password<Enter>")
        #expect(console.screen.contains("Password of ci-bot@example.org changed"))
        _ = try console.syncer.authenticate(login: "ci-bot@example.org", password: "fresh-password", requiring: [])
    }

    @Test func readOnlyHidesEveryWrite() throws {
        let console = try ConsoleHarness(readOnly: true)
        Snapshot.check(console.screen, "users-read-only")
        console.press("jjjr jjj d o p a")
        #expect(console.state.modals.isEmpty)
        #expect(try console.syncer.user(email: "ci-bot@example.org").apiRoles.isEmpty)
        console.press("?")
        #expect(!console.screen.contains("Grant or revoke"))
        #expect(console.screen.contains("Read-only console"))
    }
}
