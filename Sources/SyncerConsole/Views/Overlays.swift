import Foundation
import SyncerCore

/// Modals drawn as boxes over the page.
enum Overlays {
    static func draw(_ modal: Modal, into grid: inout ScreenGrid, _ state: AppState) {
        switch modal {
        case .help(let top):
            let lines = HelpPage.lines(state)
            let height = HelpPage.height(state)
            let shown = Array(lines.dropFirst(top).prefix(height))
            let more = lines.count > height ? "  \(top + 1)–\(top + shown.count) of \(lines.count)" : ""
            box(&grid, title: "Help" + more, lines: shown, width: 78)
        case .palette(let input):
            let width = min(grid.width - 4, 60)
            let matches = Keymap.commands.filter { input.text.isEmpty || $0.hasPrefix(input.text.lowercased()) }
            box(&grid, title: "Command", lines: [
                StyledLine(text: ":" + input.text + "█", role: .accent),
                StyledLine(text: matches.map { ":" + $0 }.joined(separator: " "), role: .dim),
            ], width: width)
        case .rolePicker(let picker):
            let user = state.users.first { $0.email == picker.email }
            let held = Set(user?.strings("api_roles") ?? [])
            var lines = APIRole.allCases.enumerated().map { i, role -> StyledLine in
                let mark = held.contains(role.rawValue) ? "[x]" : "[ ]"
                let text = "\(i == picker.cursor.selected ? "▶" : " ") \(mark) \(TextWidth.fit(role.rawValue, to: 8)) \(role.meaning)"
                return StyledLine(text: text, role: i == picker.cursor.selected ? .selected : held.contains(role.rawValue) ? .ok : .normal)
            }
            if held.contains("all") {
                lines.append(StyledLine(text: ""))
                lines.append(StyledLine(text: "Holds 'all': every other role is implied.", role: .warning))
            }
            box(&grid, title: "API roles of \(picker.email)", lines: lines, width: 100, selectedRows: [picker.cursor.selected])
        case .confirm(let confirmation):
            var lines = confirmation.lines.flatMap { line in
                TextWidth.wrap(line, to: innerWidth(grid, 76)).map { StyledLine(text: $0) }
            }
            lines.append(StyledLine(text: ""))
            lines.append(StyledLine(text: "> " + confirmation.input.text + "█", role: .accent))
            box(&grid, title: confirmation.title, lines: lines, width: 76, role: .danger)
        case .form(let form):
            var lines: [StyledLine] = []
            let labelWidth = form.fields.filter { $0.kind != .toggle }.map { TextWidth.of($0.label) }.max() ?? 0
            for (i, field) in form.fields.enumerated() {
                let focused = i == form.focus
                let value: String
                switch field.kind {
                case .text: value = field.value.text + (focused ? "█" : "")
                case .secret: value = String(repeating: "•", count: field.value.text.count) + (focused ? "█" : "")
                case .toggle: value = field.isOn ? "[x]" : "[ ]"
                }
                let label = field.kind == .toggle ? "" : TextWidth.fit(field.label, to: labelWidth) + "  "
                let text = (focused ? "▶ " : "  ") + label + value + (field.kind == .toggle ? " " + field.label : "")
                lines.append(StyledLine(text: text, role: focused ? .accent : .normal))
            }
            if let note = form.note {
                lines.append(StyledLine(text: ""))
                for line in TextWidth.wrap(note, to: innerWidth(grid, 70)) {
                    lines.append(StyledLine(text: line, role: form.noteIsError ? .error : .dim))
                }
            }
            box(&grid, title: form.title, lines: lines, width: 70)
        case .importPreview(let preview):
            let lines = previewLines(preview)
            let room = max(1, grid.height - 8)
            box(&grid, title: "Import preview: \(preview.path)", lines: Array(lines.dropFirst(min(preview.top, max(0, lines.count - room))).prefix(room))
                + [StyledLine(text: ""), StyledLine(text: "Type import and Enter to write; Esc: nothing is written. > " + preview.input.text + "█", role: .accent)],
                width: 84)
        case .tokens(let list):
            drawTokens(list, into: &grid, state)
        case .newToken(let created):
            drawNewToken(created, into: &grid)
        }
    }

    // MARK: API tokens

    static let tokenBoxWidth = 110

    /// Token rows the list shows at once (the box's other lines: frame, header, detail).
    static func tokenRows(_ state: AppState) -> Int { max(1, state.height - 10) }

    static func drawTokens(_ list: TokenList, into grid: inout ScreenGrid, _ state: AppState) {
        let inner = innerWidth(grid, tokenBoxWidth)
        let table = Table(columns: [
            .init(title: "Id", width: 8), .init(title: "Prefix", width: 16), .init(title: "Label", width: 12, flexible: true),
            .init(title: "Created", width: 16), .init(title: "Last used", width: 16), .init(title: "Expires", width: 16),
        ])
        var lines = [StyledLine(text: table.header(total: inner), role: .header)]
        var selected: Set<Int> = []
        switch list.tokens {
        case nil:
            lines.append(StyledLine(text: "Loading…", role: .dim))
        case let tokens? where tokens.isEmpty:
            lines.append(StyledLine(text: "No API tokens." + (state.readOnly ? "" : " Press n to create one."), role: .dim))
        case let tokens?:
            let rows = tokens.indices.dropFirst(list.cursor.top).prefix(tokenRows(state))
            for i in rows {
                let t = tokens[i]
                if i == list.cursor.selected { selected.insert(lines.count) }
                lines.append(StyledLine(text: table.line([
                    String(t.tokenID.prefix(8)), t.prefix + "…", t.label,
                    minutes(t.createdAt), minutes(t.lastUsedAt), t.expired ? "expired" : minutes(t.expiresAt),
                ], total: inner), role: t.expired ? .dim : .normal))
            }
            if let t = list.selected {
                lines.append(StyledLine(text: ""))
                lines.append(StyledLine(text: "\(list.cursor.selected + 1) of \(tokens.count): \(t.tokenID)  \(t.label)", role: .dim))
            }
        }
        let user = state.users.first { $0.email == list.email }
        if let user, !user.holds(.mcp) {
            lines.append(StyledLine(text: ""))
            lines.append(StyledLine(text: "\(user.email) holds neither mcp nor all: its tokens are refused until it does.", role: .warning))
        }
        box(&grid, title: "API tokens of \(list.email)", lines: lines, width: tokenBoxWidth, selectedRows: selected)
    }

    /// Token dates to the minute, as other screens show times ("never" when unset).
    static func minutes(_ date: Date?) -> String { String(DocumentText.time(date).prefix(16)) }

    static func drawNewToken(_ created: NewToken, into grid: inout ScreenGrid) {
        let inner = innerWidth(grid, 76)
        func wrapped(_ text: String, _ role: StyleRole = .normal) -> [StyledLine] {
            TextWidth.wrap(text, to: inner).map { StyledLine(text: $0, role: role) }
        }
        var lines = wrapped("Token \(created.tokenID) '\(created.label)'")
        lines.append(StyledLine(text: ""))
        lines.append(StyledLine(text: created.plaintext, role: .ok))
        lines.append(StyledLine(text: ""))
        lines += wrapped("Copy it now: it will not be shown again (only its SHA-256 is stored).", .warning)
        lines += wrapped("Use it as CMDBSYNCER_API_TOKEN (or --token) for cmdbsyncer-mcp, or over HTTP as Authorization: Bearer <token>.")
        lines.append(StyledLine(text: ""))
        lines += wrapped("Enter or Esc closes this window.", .dim)
        box(&grid, title: "New API token for \(created.email)", lines: lines, width: 76)
    }

    static func previewLines(_ p: ImportPreview) -> [StyledLine] {
        let r = p.report
        let types = Set(r.added.keys).union(r.replaced.keys).union(r.duplicates.keys).union(r.skipped.keys).sorted()
        let table = Table(columns: [
            .init(title: "Rule type", width: 26, flexible: true), .init(title: "Add", width: 7, alignRight: true),
            .init(title: "Replace", width: 7, alignRight: true), .init(title: "Duplicate", width: 9, alignRight: true),
            .init(title: "Skipped", width: 7, alignRight: true),
        ])
        let width = 76
        var out = [StyledLine(text: "Nothing has been written yet." + (p.override ? " Same id or name: replaced." : " Same id or name: left as is."), role: .dim),
                   StyledLine(text: table.header(total: width), role: .header)]
        func n(_ d: [String: Int], _ t: String) -> String { d[t].map { $0.grouped } ?? "" }
        for type in types {
            let role: StyleRole = r.skipped[type] != nil ? .warning : .normal
            out.append(StyledLine(text: table.line([type, n(r.added, type), n(r.replaced, type), n(r.duplicates, type), n(r.skipped, type)], total: width), role: role))
        }
        func sum(_ d: [String: Int]) -> String { d.values.reduce(0, +).grouped }
        out.append(StyledLine(text: table.line(["Total", sum(r.added), sum(r.replaced), sum(r.duplicates), sum(r.skipped)], total: width), role: .accent))
        if !r.skipped.isEmpty { out.append(StyledLine(text: "Skipped: rule types this syncer does not know; they are not written.", role: .warning)) }
        return out
    }

    /// Columns of text inside a box asked to be `width` wide.
    static func innerWidth(_ grid: ScreenGrid, _ width: Int) -> Int { max(20, min(grid.width - 2, width)) - 4 }

    /// A centred box with a title; content is clipped to the box, never wraps over the frame.
    static func box(_ grid: inout ScreenGrid, title: String, lines: [StyledLine], width: Int, role: StyleRole = .accent,
                    selectedRows: Set<Int> = []) {
        let w = max(20, min(grid.width - 2, width))
        let h = min(grid.height - 2, lines.count + 2)
        let left = (grid.width - w) / 2
        let top = max(1, (grid.height - h) / 2)
        let inner = w - 4
        let titleText = TextWidth.clip(" \(title) ", to: w - 4)
        grid.put("┌" + String(repeating: "─", count: w - 2) + "┐", row: top, column: left, role: role)
        grid.put(titleText, row: top, column: left + 2, role: role)
        for i in 0..<(h - 2) {
            let row = top + 1 + i
            grid.put("│" + String(repeating: " ", count: w - 2) + "│", row: row, column: left, role: role)
            grid.fill(row: row, from: left + 1, to: left + w - 1, role: .normal)
            let line = lines[i]
            grid.put(TextWidth.clip(line.text, to: inner), row: row, column: left + 2, role: line.role)
            if selectedRows.contains(i) { grid.fill(row: row, from: left + 1, to: left + w - 1, role: .selected) }
        }
        grid.put("└" + String(repeating: "─", count: w - 2) + "┘", row: top + h - 1, column: left, role: role)
    }
}
