import SyncerCore

/// Turns the state into one frame: title bar, the page, status line and hint line, then
/// any modal on top. Pure: the same state always gives the same grid.
public enum FrameRenderer {
    public static func render(_ state: AppState) -> ScreenGrid {
        var grid = ScreenGrid(width: state.width, height: state.height)
        if state.isTooSmall {
            drawTooSmall(&grid, state)
            return grid
        }
        drawTitle(&grid, state)
        ListPages.draw(&grid, state)
        drawStatus(&grid, state)
        drawHints(&grid, state)
        for modal in state.modals { Overlays.draw(modal, into: &grid, state) }
        return grid
    }

    static func drawTooSmall(_ grid: inout ScreenGrid, _ state: AppState) {
        let lines = ["Terminal too small",
                     "\(state.width)×\(state.height), needs \(AppState.minimumWidth)×\(AppState.minimumHeight)",
                     "Enlarge the window, or q to quit"]
        let top = max(0, grid.height / 2 - 1)
        for (i, line) in lines.enumerated() {
            let text = TextWidth.clip(line, to: grid.width)
            grid.put(text, row: top + i, column: max(0, (grid.width - TextWidth.of(text)) / 2), role: i == 0 ? .warning : .normal)
        }
    }

    static func drawTitle(_ grid: inout ScreenGrid, _ state: AppState) {
        grid.fill(row: 0, role: .title)
        var x = grid.put(" CMDBsyncer ", row: 0, column: 0, role: .title)
        for (i, section) in Section.allCases.enumerated() {
            let active = section == state.page.section
            x = grid.put(" \(i + 1) \(section.title) ", row: 0, column: x, role: active ? .tabActive : .title)
        }
        var right = state.location
        if state.readOnly { right = "READ-ONLY  " + right }
        let room = grid.width - x - 2
        if room > 8 {
            let text = TextWidth.clip(right, to: room) + " "
            let column = grid.width - TextWidth.of(text)
            if state.readOnly {
                let end = grid.put("READ-ONLY", row: 0, column: column, role: .danger)
                grid.put(String(text.dropFirst(9)), row: 0, column: end, role: .title)
            } else {
                grid.put(text, row: 0, column: column, role: .title)
            }
        }
    }

    static func drawStatus(_ grid: inout ScreenGrid, _ state: AppState) {
        let row = grid.height - 2
        if state.page == .hosts, state.hosts.editingFilter {
            drawFilterLine(&grid, row, state.hosts.filter.text, "words: hostname, key=value: label")
            return
        }
        if state.editingListFilter {
            drawFilterLine(&grid, row, state.listFilters[state.page] ?? "", "matches anywhere, any case")
            return
        }
        if let task = state.task {
            let note = task.cancellable ? "  (Esc cancels)" : ""
            grid.put("⟳ " + task.label + note, row: row, column: 0, role: .warning)
            return
        }
        if let flash = state.flash {
            let role: StyleRole = flash.kind == .error ? .error : flash.kind == .ok ? .ok : .status
            grid.put(flash.text, row: row, column: 0, role: role)
            return
        }
        grid.put(ListPages.position(state), row: row, column: 0, role: .dim)
    }

    static func drawFilterLine(_ grid: inout ScreenGrid, _ row: Int, _ text: String, _ note: String) {
        let x = grid.put("Filter: ", row: row, column: 0, role: .accent)
        let end = grid.put(text, row: row, column: x)
        grid.put("█", row: row, column: end, role: .accent)
        grid.put("  Enter keeps · Esc clears · " + note, row: row, column: end + 1, role: .dim)
    }

    /// The hint line: the same bindings `?` lists, the ones marked for the line.
    static func drawHints(_ grid: inout ScreenGrid, _ state: AppState) {
        let row = grid.height - 1
        var x = 0
        for hint in HelpPage.hints(state) {
            let width = TextWidth.of(hint.key) + TextWidth.of(hint.label) + 2
            if x + width > grid.width { break }
            x = grid.put(hint.key, row: row, column: x, role: .hintKey)
            x = grid.put(" " + hint.label + " ", row: row, column: x, role: .hintText)
        }
    }
}
