import SyncerCore

/// The `/` filter of the short lists (users, accounts, rule types, rules, cron, logs): they
/// are loaded whole, so they filter in memory; the host list filters in the store instead.
extension AppState {
    /// The cursor of a short list page; nil for hosts and document pages.
    static func cursorPath(_ page: Page) -> WritableKeyPath<AppState, ListCursor>? {
        switch page {
        case .users: return \.usersCursor
        case .accounts: return \.accountsCursor
        case .ruleTypes: return \.ruleTypesCursor
        case .rules: return \.rulesCursor
        case .cron: return \.cronCursor
        case .logs: return \.logsCursor
        default: return nil
        }
    }

    func rowCount(_ page: Page) -> Int {
        switch page {
        case .users: return users.count
        case .accounts: return accounts.count
        case .ruleTypes: return ruleTypes.count
        case .rules: return rules.count
        case .cron: return cron.count
        case .logs: return logs.count
        default: return 0
        }
    }

    /// What the filter searches in a row: the columns the list shows.
    func searchText(_ page: Page, _ i: Int) -> String {
        switch page {
        case .users:
            let u = users[i]
            return [u.email, u.name, u.strings("api_roles").joined(separator: " ")].joined(separator: " ")
        case .accounts: return accounts[i].name + " " + accounts[i].type
        case .ruleTypes: return ruleTypes[i].type
        case .rules:
            let rule = Rule(document: rules[i])
            return rule.string(RuleTypeCatalog.uniqueField(of: rulesType)) ?? rule.name ?? ""
        case .cron: return cron[i].name + " " + (cron[i].stats.lastMessage ?? "")
        case .logs: return [logs[i].message, logs[i].source, logs[i].user ?? ""].joined(separator: " ")
        default: return ""
        }
    }

    /// Indices of the rows of `page` its filter lets through, in list order.
    public func shownRows(_ page: Page) -> [Int] {
        let count = rowCount(page)
        guard let needle = listFilters[page]?.lowercased(), !needle.isEmpty else { return Array(0..<count) }
        return (0..<count).filter { searchText(page, $0).lowercased().contains(needle) }
    }

    /// The row under the cursor of `page`, as an index into the page's full list.
    public func selectedRow(_ page: Page) -> Int? {
        guard let path = Self.cursorPath(page) else { return nil }
        let rows = shownRows(page)
        let selected = self[keyPath: path].selected
        return rows.indices.contains(selected) ? rows[selected] : nil
    }

    /// Keeps the cursor of `page` on a row after its list or filter changed.
    mutating func clampCursor(_ page: Page) {
        guard let path = Self.cursorPath(page) else { return }
        let count = shownRows(page).count
        self[keyPath: path].select(self[keyPath: path].selected, count: count, visible: bodyHeight)
    }
}
