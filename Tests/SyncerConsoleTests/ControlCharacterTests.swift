import SyncerConsole
import SyncerCore
import Testing

/// Data with terminal controls shows them escaped on every screen; no cell holds one.
@Suite struct ControlCharacterTests {
    static func noControlCells(_ grid: ScreenGrid) -> Bool {
        grid.rows.allSatisfy { row in row.allSatisfy { cell in !cell.character.unicodeScalars.contains { TerminalText.isControl($0.value) } } }
    }

    @Test func gridWritesControlsAsEscapesAndMeasuresThemSo() {
        var grid = ScreenGrid(width: 30, height: 2)
        let end = grid.put("a\u{1b}[2Jb\u{9b}c\u{202e}d", row: 0, column: 0)
        #expect(grid.text(ofRow: 0).hasPrefix("a\\x1b[2Jb\\u{9b}c\\u{202e}d"))
        #expect(end == TextWidth.of("a\u{1b}[2Jb\u{9b}c\u{202e}d"))
        #expect(TextWidth.of("\u{1b}") == 4)
        #expect(TextWidth.fit("x\ny", to: 6) == "x\\ny  ")
        #expect(TextWidth.clip("東京\u{1b}", to: 6) == "東京\\…")
        #expect(Self.noControlCells(grid))
    }

    @Test func hostListAndHostPageShowLabelsEscaped() throws {
        let console = try ConsoleHarness(width: 160, hosts: 3)
        let admin = Principal(name: "t", apiRoles: [.all], readonly: false, source: "test")
        _ = try console.syncer.upsertHost(hostname: "evil", account: "csvimport",
                                          labels: ["note": .string("\u{1b}[31mred\u{07}\u{9b}2J\u{202e}txt")], as: admin)
        console.press("2/evil<Enter>")
        #expect(console.screen.contains("note=\\x1b[31mred\\x07\\u{9b}2J\\u{202e}txt"))
        #expect(Self.noControlCells(FrameRenderer.render(console.state)))
        console.press("<Enter>")
        #expect(console.state.page == .hostDetail)
        #expect(console.screen.contains("note  \\x1b[31mred\\x07\\u{9b}2J\\u{202e}txt"))
        #expect(Self.noControlCells(FrameRenderer.render(console.state)))
    }
}
