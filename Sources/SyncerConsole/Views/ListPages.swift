import Foundation
import SyncerCore

/// The list pages (users, hosts, accounts, rule types, rules, cron, logs) and the
/// document pages, drawn between the title bar and the status line.
enum ListPages {
    static func draw(_ grid: inout ScreenGrid, _ state: AppState) {
        let width = grid.width
        switch state.page {
        case .users:
            let table = Table(columns: [
                .init(title: "E-mail", width: 20, flexible: true), .init(title: "Name", width: 14),
                .init(title: "API roles", width: 16, flexible: true), .init(title: "Flags", width: 24),
            ])
            let shown = state.shownRows(.users)
            drawList(&grid, state, table: table, count: shown.count, cursor: state.usersCursor) { row in
                let i = shown[row]
                let u = state.users[i]
                var flags: [String] = []
                if u.globalAdmin { flags.append("admin") }
                if u.disabled { flags.append("disabled") }
                if u.readonly { flags.append("read-only") }
                let roles = u.strings("api_roles")
                let role: StyleRole = u.disabled ? .dim : roles.contains("all") ? .warning : .normal
                return ([u.email, u.name, roles.isEmpty ? "—" : roles.joined(separator: " "), flags.joined(separator: " ")], role)
            }
        case .hosts:
            let table = Table(columns: [
                .init(title: "Hostname", width: 18, flexible: true), .init(title: "Account", width: 12),
                .init(title: "Labels", width: 14, flexible: true, weight: 2), .init(title: "Last seen", width: 19),
            ])
            drawList(&grid, state, table: table, count: state.hosts.scrollableCount, cursor: state.hosts.cursor) { i in
                guard let h = state.hosts.row(i) else { return (["…", "", "", ""], .dim) }
                let labels = h.labels.map { "\($0.key)=\(DocumentText.inline($0.value))" }.joined(separator: " ")
                return ([h.hostname, h.sourceAccountName ?? "—", labels, DocumentText.time(h.lastImportSeen)],
                        h.isObject ? .accent : .normal)
            }
        case .accounts:
            let table = Table(columns: [
                .init(title: "Name", width: 16, flexible: true), .init(title: "Type", width: 10),
                .init(title: "Enabled", width: 7), .init(title: "Master", width: 6), .init(title: "Child of", width: 10, flexible: true),
            ])
            let shown = state.shownRows(.accounts)
            drawList(&grid, state, table: table, count: shown.count, cursor: state.accountsCursor) { row in
                let i = shown[row]
                let a = state.accounts[i]
                return ([a.name, a.type, a.enabled ? "yes" : "no", a.isMaster ? "yes" : "", a.isChild ? a.parent ?? "?" : ""],
                        a.enabled ? .normal : .dim)
            }
        case .ruleTypes:
            let table = Table(columns: [.init(title: "Rule type", width: 30, flexible: true), .init(title: "Documents", width: 10, alignRight: true)])
            let shown = state.shownRows(.ruleTypes)
            drawList(&grid, state, table: table, count: shown.count, cursor: state.ruleTypesCursor) { row in
                let i = shown[row]
                let t = state.ruleTypes[i]
                return ([t.type, t.count.grouped], t.count == 0 ? .dim : .normal)
            }
        case .rules:
            let key = RuleTypeCatalog.uniqueField(of: state.rulesType)
            let table = Table(columns: [
                .init(title: "#", width: 5, alignRight: true), .init(title: key.capitalized, width: 20, flexible: true),
                .init(title: "Enabled", width: 7), .init(title: "Id", width: 24),
            ])
            let shown = state.shownRows(.rules)
            drawList(&grid, state, table: table, count: shown.count, cursor: state.rulesCursor) { row in
                let i = shown[row]
                let rule = Rule(document: state.rules[i])
                return (["\(i + 1)", rule.string(key) ?? "(unnamed)", rule.enabled ? "yes" : "no", rule.id?.hex ?? ""],
                        rule.enabled ? .normal : .dim)
            }
        case .cron:
            let table = Table(columns: [
                .init(title: "Group", width: 14, flexible: true), .init(title: "Interval", width: 8), .init(title: "Enabled", width: 7),
                .init(title: "Last start", width: 19), .init(title: "Next run", width: 19), .init(title: "State", width: 9),
                .init(title: "Last message", width: 10, flexible: true),
            ])
            let shown = state.shownRows(.cron)
            drawList(&grid, state, table: table, count: shown.count, cursor: state.cronCursor) { row in
                let i = shown[row]
                let g = state.cron[i]
                let run = g.stats.isRunning ? "running" : g.stats.failure ? "error" : g.runOnceNext ? "triggered" : "idle"
                let role: StyleRole = g.stats.failure ? .error : !g.enabled ? .dim : g.stats.isRunning ? .ok : .normal
                return ([g.name, g.interval, g.enabled ? "yes" : "no", DocumentText.time(g.stats.lastStart),
                         g.runOnceNext ? "next cron pass" : DocumentText.time(g.stats.nextRun), run, g.stats.lastMessage ?? ""], role)
            }
        case .logs:
            let table = Table(columns: [
                .init(title: "Time", width: 19), .init(title: "Source", width: 10), .init(title: "User", width: 14),
                .init(title: "Message", width: 16, flexible: true),
            ])
            let shown = state.shownRows(.logs)
            drawList(&grid, state, table: table, count: shown.count, cursor: state.logsCursor) { row in
                let i = shown[row]
                let e = state.logs[i]
                let warns = e.details.contains { $0.level.uppercased().hasPrefix("WARN") }
                return ([DocumentText.time(e.time), e.source, e.user ?? "", e.message], e.hasError ? .error : warns ? .warning : .normal)
            }
        case .hostDetail, .accountDetail, .ruleDocument, .logDetail:
            grid.put(TextWidth.clip(DocumentPage.heading(state), to: width), row: 1, column: 0, role: .header)
            grid.fill(row: 1, role: .header)
            let lines = DocumentPage.lines(state)
            for row in 0..<state.bodyHeight {
                let index = state.documentTop + row
                guard index < lines.count else { break }
                grid.put(lines[index].text, row: row + 2, column: 1, role: lines[index].role, maxWidth: width - 2)
            }
        }
    }

    /// Header, then the visible rows only: cost does not grow with the list.
    static func drawList(_ grid: inout ScreenGrid, _ state: AppState, table: Table, count: Int, cursor: ListCursor,
                         row: (Int) -> ([String], StyleRole)) {
        let width = grid.width - 2
        grid.fill(row: 1, role: .header)
        grid.put(table.header(total: width), row: 1, column: 1, role: .header)
        if count == 0 {
            grid.put(emptyText(state), row: 2, column: 1, role: .dim)
            return
        }
        for line in 0..<state.bodyHeight {
            let index = cursor.top + line
            guard index < count else { break }
            let (cells, role) = row(index)
            let selected = index == cursor.selected
            grid.put(table.line(cells, total: width), row: line + 2, column: 1, role: selected ? .selected : role)
            if selected {
                grid.fill(row: line + 2, role: .selected)
                grid.put("▶", row: line + 2, column: 0, role: .selected)
            }
        }
    }

    static func emptyText(_ state: AppState) -> String {
        switch state.page {
        case _ where state.listFilters[state.page] != nil:
            return "Nothing matches \"\(state.listFilters[state.page]!)\""
        case .hosts:
            if state.hosts.total == nil { return "Loading…" }
            return state.hosts.filter.text.isEmpty ? "No hosts yet" : "No host matches \"\(state.hosts.filter.text)\""
        case .rules: return "No \(state.rulesType) rules"
        default: return "Nothing here yet"
        }
    }

    /// The status line when there is no message: where the selection is.
    static func position(_ state: AppState) -> String {
        let text = listPosition(state)
        guard let filter = state.listFilters[state.page] else { return text }
        return text + "  filter: " + filter
    }

    static func listPosition(_ state: AppState) -> String {
        func of(_ c: ListCursor, _ n: Int, _ noun: String) -> String {
            n == 0 ? "0 \(noun)" : "\((c.selected + 1).grouped) of \(n.grouped) \(noun)"
        }
        switch state.page {
        case .users: return of(state.usersCursor, state.shownRows(.users).count, "users")
        case .hosts:
            let filter = state.hosts.filter.text.isEmpty ? "" : "  filter: \(state.hosts.filter.text)"
            guard let total = state.hosts.total else {
                return "\((state.hosts.cursor.selected + 1).grouped) of … hosts (counting)" + filter
            }
            return of(state.hosts.cursor, total, total == 1 ? "host" : "hosts") + filter
        case .accounts: return of(state.accountsCursor, state.shownRows(.accounts).count, "accounts")
        case .ruleTypes: return of(state.ruleTypesCursor, state.shownRows(.ruleTypes).count, "rule types")
        case .rules:
            let more = state.rulesTotal > state.rules.count ? " (first \(state.rules.count.grouped) of \(state.rulesTotal.grouped) shown)" : ""
            return of(state.rulesCursor, state.shownRows(.rules).count, state.rulesType) + more
        case .cron: return of(state.cronCursor, state.shownRows(.cron).count, "cron groups") + "  · refreshes every 2 s"
        case .logs: return of(state.logsCursor, state.shownRows(.logs).count, "entries") + (state.followLogs ? "  · following" : "")
        case .hostDetail, .accountDetail, .ruleDocument, .logDetail:
            let count = DocumentPage.lines(state).count
            return "lines \(min(count, state.documentTop + 1))–\(min(count, state.documentTop + state.bodyHeight)) of \(count)"
        }
    }
}
