import SyncerConsole
import SyncerCore
import Testing

@Suite struct HostsScreenTests {
    @Test func filterAsYouTypeByHostnameAndLabel() throws {
        let console = try ConsoleHarness()
        console.press("2/web fra")
        Snapshot.check(console.screen, "hosts-filter-typing")
        console.press(" env=prod<Enter>")
        Snapshot.check(console.screen, "hosts-filter-label")
        #expect(console.state.hosts.total == (try console.syncer.countHosts(HostFilter.parse("web fra env=prod"))))
        console.press("<Esc>")  // clears the filter
        #expect(console.state.hosts.filter.text.isEmpty)
        #expect(console.state.hosts.total == 200)
    }

    @Test func aFilterMatchingNothingSaysSo() throws {
        let console = try ConsoleHarness()
        console.press("2/no-such-host<Enter>")
        #expect(console.screen.contains("No host matches \"no-such-host\""))
        #expect(console.screen.contains("0 hosts"))
    }

    @Test func scrollingLoadsOnlyWindowsAroundTheScreen() throws {
        let console = try ConsoleHarness(hosts: 1000)
        console.press("2")
        #expect(console.state.hosts.window.count <= 120)
        console.press("G")
        #expect(console.state.hosts.cursor.selected == 999)
        #expect(console.state.hosts.row(999) != nil)
        #expect(console.state.hosts.window.count <= 120)
        #expect(console.screen.contains("1,000 of 1,000 hosts"))
        for _ in 0..<60 { console.press("<PgUp>") }
        #expect(console.state.hosts.cursor.selected == 0)
        #expect(console.state.hosts.row(0) != nil)
        #expect(!console.screen.contains("…   "))
    }

    @Test func scrollingOnPagesFromRowsAlreadySeen() throws {
        let console = try ConsoleHarness(hosts: 1000)
        console.press("2")
        var effects: [Effect] = []
        for _ in 0..<20 {
            guard let action = Keymap.action(for: .pageDown, in: console.state) else { break }
            effects = Reducer.reduce(&console.state, action)
            if case .loadHosts(_, _, _, _, _?)? = effects.first { break }
            console.run(effects)  // the first window past the start has no anchor yet
        }
        guard case .loadHosts(_, _, let offset, _, let anchor?)? = effects.first else {
            Issue.record("expected a keyset window load, got \(effects)"); return
        }
        console.run(effects)
        // The keyset page holds exactly the rows an offset page would.
        let byOffset = try console.syncer.browseHosts(HostFilter(), offset: offset, limit: 5).map(\.hostname)
        #expect(console.state.hosts.row(offset).map(\.hostname) == byOffset.first)
        #expect(anchor.skip < HostsState.anchorStep * 2)
        #expect((0..<5).map { console.state.hosts.row(offset + $0)?.hostname } == byOffset)
    }

    @Test func rowsNotLoadedYetShowAPlaceholderNotStaleData() throws {
        var state = AppState(width: 80, height: 20)
        _ = Reducer.reduce(&state, .goTo(.hosts))
        _ = Reducer.reduce(&state, .loaded(.hostCount(generation: state.hosts.generation, total: 1_000_000)))
        let effects = Reducer.reduce(&state, .last)
        #expect(effects.contains { if case .loadHosts(_, _, let offset, _, _) = $0 { return offset > 900_000 } else { return false } })
        let screen = FrameRenderer.render(state).snapshot
        #expect(screen.contains("1,000,000 of 1,000,000 hosts"))
        #expect(screen.contains("▶…"))
    }

    @Test func staleResultsOfAnOlderFilterAreDropped() throws {
        var state = AppState(width: 80, height: 20)
        _ = Reducer.reduce(&state, .goTo(.hosts))
        let old = state.hosts.generation
        _ = Reducer.reduce(&state, .startFilter)
        _ = Reducer.reduce(&state, .insert("x"))
        _ = Reducer.reduce(&state, .loaded(.hostCount(generation: old, total: 5)))
        #expect(state.hosts.total == nil)
    }

    @Test func detailShowsLabelsInventoryAndAccount() throws {
        let console = try ConsoleHarness()
        console.press("2<Enter>")
        Snapshot.check(console.screen, "hosts-detail")
        console.press("q")
        #expect(console.state.page == .hosts)
    }

    @Test func deleteAsksForTheWordDelete() throws {
        let console = try ConsoleHarness()
        console.press("2jD")
        let name = console.state.hosts.row(1)!.hostname
        Snapshot.check(console.screen, "hosts-delete-confirm")
        console.press("yes<Enter><Esc>")
        #expect((try? console.syncer.host(named: name, as: .localOperator(source: "test"))) != nil)
        console.press("Ddelete<Enter>")
        #expect((try? console.syncer.host(named: name, as: .localOperator(source: "test"))) == nil)
        #expect(console.screen.contains("Deleted \(name)"))
        #expect(console.state.hosts.total == 199)
    }
}
