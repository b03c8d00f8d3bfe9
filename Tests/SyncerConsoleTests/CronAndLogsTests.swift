import SyncerConsole
import SyncerCore
import Testing

@Suite struct CronAndLogsTests {
    @Test func cronListAndTrigger() throws {
        let console = try ConsoleHarness()
        console.press("5")
        Snapshot.check(console.screen, "cron-list")
        console.press("t")
        #expect(console.screen.contains("Triggered nightly"))
        #expect(try console.syncer.cronStatus().first { $0.name == "nightly" }!.runOnceNext)
        console.press("jjt")
        #expect(console.screen.contains("checkmk export is disabled"))
    }

    @Test func cronRefreshesOnTicks() throws {
        var state = AppState(width: 100, height: 24)
        _ = Reducer.reduce(&state, .goTo(.cron))
        #expect(Reducer.reduce(&state, .tick(1)).isEmpty)
        #expect(Reducer.reduce(&state, .tick(2.5)) == [.loadCron])
    }

    @Test func logsNewestFirstWithDetails() throws {
        let console = try ConsoleHarness()
        console.press("6")
        Snapshot.check(console.screen, "logs-list")
        let failed = console.state.logs.firstIndex { $0.hasError }!
        console.press(String(repeating: "j", count: failed) + "<Enter>")
        Snapshot.check(console.screen, "logs-detail-error")
    }

    @Test func followModeKeepsTheNewestSelectedAndReloads() throws {
        let console = try ConsoleHarness()
        console.press("6jjf")
        #expect(console.state.followLogs)
        #expect(console.state.logsCursor.selected == 0)
        try console.syncer.log("a new entry", as: console.runner.principal)
        console.run(Reducer.reduce(&console.state, .tick(100)))
        #expect(console.state.logs.first?.message == "a new entry")
        console.press("j")
        #expect(!console.state.followLogs)
    }
}

@Suite struct ListFilterTests {
    @Test func shortListsFilterInMemoryAndEscClears() throws {
        let console = try ConsoleHarness()
        console.press("/bot")
        #expect(console.screen.contains("Filter: bot█"))
        console.press("<Enter>")
        #expect(console.screen.contains("1 of 1 users  filter: bot"))
        console.press("r")  // acts on the filtered row, not on the first user
        #expect(console.screen.contains("API roles of ci-bot@example.org"))
        console.press("<Esc><Esc>")
        #expect(console.screen.contains("4 of 4 users"))  // the cursor stays on ci-bot
    }

    @Test func logFilterOpensTheMatchingEntry() throws {
        let console = try ConsoleHarness()
        console.press("6/failed<Enter><Enter>")
        #expect(console.screen.contains("Cron group 'hourly import' failed"))
        #expect(console.screen.contains("ERROR"))
    }
}
