import SyncerConsole
import SyncerCore
import Testing

@Suite struct FrameTests {
    @Test func helpIsGeneratedFromTheBindingTable() throws {
        let console = try ConsoleHarness()
        console.press("2?")
        Snapshot.check(console.screen, "help-hosts")
        let help = console.screen
        for binding in Keymap.bindings(for: .hosts, readOnly: false) where binding.scope != .everywhere {
            #expect(help.contains(binding.help))
        }
        console.press("<Esc>")
        #expect(console.state.modals.isEmpty)
    }

    @Test func hintLineShowsTheSameBindings() throws {
        let console = try ConsoleHarness()
        console.press("5")
        let hint = FrameRenderer.render(console.state).text(ofRow: console.state.height - 1)
        #expect(hint.hasPrefix("t Trigger / Filter ? Help : Cmd q Quit"))
    }

    @Test func paletteCompletesAndSwitchesScreens() throws {
        let console = try ConsoleHarness()
        console.press(":cr<Tab>")
        #expect(console.screen.contains(":cron█"))
        console.press("<Enter>")
        #expect(console.state.page == .cron)
        console.press(":bogus<Enter>")
        #expect(console.screen.contains("Unknown command :bogus"))
        console.press(":h<Tab>")
        #expect(console.screen.contains(":h█"))  // help and hosts: nothing to complete
    }

    @Test func resizeKeepsTheSelectionVisibleAndSaysWhenTooSmall() throws {
        let console = try ConsoleHarness()
        console.press("2")
        for _ in 0..<40 { console.press("j") }
        console.resize(70, 14)
        Snapshot.check(console.screen, "resize-70x14")
        #expect(console.screen.contains("▶"))
        console.resize(40, 10)
        Snapshot.check(console.screen, "resize-too-small")
        console.resize(100, 24)
        #expect(console.screen.contains("41 of 200 hosts"))
    }

    @Test func qGoesBackThenQuits() throws {
        let console = try ConsoleHarness()
        console.press("2<Enter>q")
        #expect(!console.state.shouldQuit)
        console.press("<Esc>")
        #expect(!console.state.shouldQuit)
        console.press("q")
        #expect(console.state.shouldQuit)
    }
}

@Suite struct TextWidthTests {
    @Test func columnsOfWideAndCombiningText() {
        #expect(TextWidth.of("abc") == 3)
        #expect(TextWidth.of("東京") == 4)
        #expect(TextWidth.of("Müller") == 6)
        #expect(TextWidth.of("e\u{301}") == 1)
        #expect(TextWidth.of("✅") == 2)
        #expect(TextWidth.of("👍🏽") == 2)
        #expect(TextWidth.of("❤️") == 2)
        #expect(TextWidth.of("한국") == 4)
    }

    @Test func clipNeverSplitsAWideCharacter() {
        #expect(TextWidth.clip("東京東京", to: 5) == "東京…")
        #expect(TextWidth.of(TextWidth.fit("東京x", to: 4)) == 4)
    }

    @Test func gridKeepsColumnsAlignedAfterWideText() {
        var grid = ScreenGrid(width: 10, height: 2)
        grid.put("東京ab", row: 0, column: 0)
        grid.put("123456789", row: 1, column: 0)
        grid.put("x東", row: 1, column: 8)  // 東 does not fit in the last column
        #expect(grid.snapshot == "東京ab\n12345678x")
    }
}
