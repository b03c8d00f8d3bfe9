import SyncerCore

/// The only place state changes. Each action updates `AppState` and returns the effects
/// to run; no I/O happens here, so key sequences can be tested without a terminal.
public enum Reducer {
    /// Effects for the first frame: the start page's data.
    public static func start(_ state: inout AppState) -> [Effect] {
        enter(state.page.section, &state)
    }

    public static func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
        if let effects = reduceModal(&state, action) { return effects }
        switch action {
        case .moveUp: return move(&state, by: -1)
        case .moveDown: return move(&state, by: 1)
        case .pageUp: return move(&state, by: -state.bodyHeight)
        case .pageDown: return move(&state, by: state.bodyHeight)
        case .first: return move(&state, by: Int.min / 2)
        case .last: return move(&state, by: Int.max / 2)
        case .open: return open(&state)
        case .back: return back(&state, quitAtTop: false)
        case .close: return back(&state, quitAtTop: true)
        case .quit:
            state.shouldQuit = true
            return []
        case .goTo(let section):
            return enter(section, &state)
        case .nextSection:
            return enter(Keymap.nextSection(after: state.page.section), &state)
        case .previousSection:
            return enter(Keymap.nextSection(after: state.page.section, step: -1), &state)
        case .showHelp:
            state.modals.append(.help(top: 0))
            return []
        case .showPalette:
            state.modals.append(.palette(LineInput()))
            return []
        case .startFilter:
            if state.page == .hosts { state.hosts.editingFilter = true }
            if AppState.cursorPath(state.page) != nil { state.editingListFilter = true }
            return []
        case .refresh:
            return reload(state.page.section, &state)
        case .insert, .deleteBackward, .clearInput, .submit, .cancel, .complete, .nextField, .previousField, .toggleField:
            return editFilter(&state, action)
        case .addUser, .editRoles, .toggleRole, .toggleDisabled, .toggleReadonly, .resetPassword,
             .deleteHost, .importRules, .triggerCron:
            guard !state.readOnly else {
                flash(&state, "This console is read-only", .error)
                return []
            }
            return startWriteAction(&state, action)
        case .showTokens:
            return openTokens(&state)
        case .createToken, .revokeToken:
            return []  // keys of the token list; nothing to do without it
        case .exportRules:
            return openExportForm(&state)
        case .toggleFollow:
            state.followLogs.toggle()
            flash(&state, state.followLogs ? "Following new log entries" : "Stopped following", .info)
            if state.followLogs {
                state.logsCursor = ListCursor()
                return [.loadLogs]
            }
            return []
        case .cancelTask:
            return cancelTask(&state)
        case .resize(let width, let height):
            state.width = width
            state.height = height
            keepCursorsVisible(&state)
            return ensureHostWindow(&state)
        case .tick(let now):
            return tick(&state, now)
        case .loaded(let loaded):
            return apply(loaded, &state)
        case .finished(let taskID, let message, let reload):
            if state.task?.id == taskID { state.task = nil }
            flash(&state, message, .ok)
            if reload == .hosts, state.page == .hostDetail { state.stack.removeLast() }
            return reload.map { self.reload($0, &state) } ?? []
        case .failed(let taskID, let message):
            if let taskID, state.task?.id == taskID { state.task = nil }
            state.hosts.pendingOffset = nil
            flash(&state, message, .error)
            return []
        }
    }

    static func flash(_ state: inout AppState, _ text: String, _ kind: Flash.Kind) {
        state.flash = Flash(text: text, kind: kind, since: state.clock)
    }

    // MARK: Sections and pages

    static func enter(_ section: Section, _ state: inout AppState) -> [Effect] {
        state.stack = [section.root]
        state.documentTop = 0
        state.editingListFilter = false
        state.hosts.editingFilter = false
        return reload(section, &state)
    }

    /// Fresh data for a section (on entering it, after a write, on ^R).
    static func reload(_ section: Section, _ state: inout AppState) -> [Effect] {
        switch section {
        case .users: return [.loadUsers] + tokenListReload(state)
        case .hosts: return refreshHosts(&state)
        case .accounts:
            if state.page == .accountDetail, let name = state.account?.name { return [.loadAccounts, .loadAccount(name)] }
            return [.loadAccounts]
        case .rules:
            if state.page == .rules || state.page == .ruleDocument { return [.loadRuleTypes, .loadRules(state.rulesType)] }
            return [.loadRuleTypes]
        case .cron:
            state.lastCronLoad = state.clock
            return [.loadCron]
        case .logs:
            state.lastLogsLoad = state.clock
            return [.loadLogs]
        }
    }

    static func open(_ state: inout AppState) -> [Effect] {
        state.documentTop = 0
        switch state.page {
        case .hosts:
            guard let host = state.hosts.row(state.hosts.cursor.selected) else { return [] }
            state.host = host
            state.stack.append(.hostDetail)
            return [.loadHost(host.hostname)]
        case .accounts:
            guard let row = state.selectedRow(.accounts) else { return [] }
            let name = state.accounts[row].name
            state.account = (name, [])
            state.stack.append(.accountDetail)
            return [.loadAccount(name)]
        case .ruleTypes:
            guard let row = state.selectedRow(.ruleTypes) else { return [] }
            let type = state.ruleTypes[row].type
            if type != state.rulesType {
                state.rulesType = type
                state.rules = []
                state.rulesTotal = 0
                state.rulesCursor = ListCursor()
                state.listFilters[.rules] = nil
            }
            state.stack.append(.rules)
            return [.loadRules(type)]
        case .rules:
            guard let row = state.selectedRow(.rules) else { return [] }
            state.openedRule = (row, state.rules[row])
            state.stack.append(.ruleDocument)
            return []
        case .logs:
            guard let row = state.selectedRow(.logs) else { return [] }
            state.openedLog = state.logs[row]
            state.stack.append(.logDetail)
            return []
        default:
            return []
        }
    }

    static func back(_ state: inout AppState, quitAtTop: Bool) -> [Effect] {
        if state.page == .hosts, !state.hosts.filter.text.isEmpty, !quitAtTop {
            return setHostFilter(&state, "")
        }
        if state.listFilters[state.page] != nil, !quitAtTop, let path = AppState.cursorPath(state.page) {
            // The row under the cursor stays under the cursor when the filter goes.
            let row = state.selectedRow(state.page) ?? 0
            state.listFilters[state.page] = nil
            state[keyPath: path].select(row, count: state.shownRows(state.page).count, visible: state.bodyHeight)
            return []
        }
        if state.stack.count > 1 {
            state.stack.removeLast()
            state.documentTop = 0
            return []
        }
        if quitAtTop {
            state.shouldQuit = true
        } else {
            flash(&state, "Press q to quit", .info)
        }
        return []
    }

    // MARK: Moving

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        let visible = state.bodyHeight
        switch state.page {
        case .users, .accounts, .ruleTypes, .rules, .cron:
            let path = AppState.cursorPath(state.page)!
            state[keyPath: path].move(by: delta, count: state.shownRows(state.page).count, visible: visible)
        case .hosts:
            state.hosts.cursor.move(by: delta, count: state.hosts.scrollableCount, visible: visible)
            return ensureHostWindow(&state)
        case .logs:
            state.logsCursor.move(by: delta, count: state.shownRows(.logs).count, visible: visible)
            if state.followLogs, state.logsCursor.selected > 0 { state.followLogs = false }
        case .hostDetail, .accountDetail, .ruleDocument, .logDetail:
            let count = DocumentPage.lines(state).count
            state.documentTop = scrolled(state.documentTop, by: delta, count: count, visible: visible)
        }
        return []
    }

    /// A scroll offset moved by `delta`, kept within a text of `count` lines.
    static func scrolled(_ top: Int, by delta: Int, count: Int, visible: Int) -> Int {
        let target = delta > 0 ? (top > Int.max - delta ? Int.max : top + delta) : max(0, top + delta)
        return max(0, min(target, count - visible))
    }

    static func keepCursorsVisible(_ state: inout AppState) {
        let v = state.bodyHeight
        state.hosts.cursor.keepVisible(count: state.hosts.scrollableCount, visible: v)
        for page in [Page.users, .accounts, .ruleTypes, .rules, .cron, .logs] { state.clampCursor(page) }
        keepTokenCursorVisible(&state)
        if state.page.isDocument {
            state.documentTop = scrolled(state.documentTop, by: 0, count: DocumentPage.lines(state).count, visible: v)
        }
    }

    // MARK: Time and results

    static func tick(_ state: inout AppState, _ now: Double) -> [Effect] {
        state.clock = now
        if let since = state.flash?.since, now - since > 6, state.flash?.kind != .error || now - since > 12 {
            state.flash = nil
        }
        if state.page == .cron, now - state.lastCronLoad >= 2 {
            state.lastCronLoad = now
            return [.loadCron]
        }
        if state.page == .logs, state.followLogs, now - state.lastLogsLoad >= 1 {
            state.lastLogsLoad = now
            return [.loadLogs]
        }
        return []
    }

    static func apply(_ loaded: Loaded, _ state: inout AppState) -> [Effect] {
        let v = state.bodyHeight
        switch loaded {
        case .users(let users):
            state.users = users
            state.clampCursor(.users)
        case .hostWindow(let generation, let offset, let hosts, let seqs):
            return applyHostWindow(&state, generation: generation, offset: offset, hosts: hosts, seqs: seqs)
        case .hostCount(let generation, let total):
            guard generation == state.hosts.generation else { return [] }
            state.hosts.total = total
            state.hosts.cursor.select(state.hosts.cursor.selected, count: total, visible: v)
            return ensureHostWindow(&state)
        case .host(let host):
            if state.host?.hostname == host.hostname { state.host = host }
        case .accounts(let accounts):
            state.accounts = accounts
            state.clampCursor(.accounts)
        case .account(let name, let fields):
            if state.account?.name == name { state.account = (name, fields) }
        case .ruleTypes(let types):
            state.ruleTypes = types
            state.clampCursor(.ruleTypes)
        case .rules(let type, let documents, let total):
            guard type == state.rulesType else { return [] }
            state.rules = documents
            state.rulesTotal = total
            state.clampCursor(.rules)
        case .cron(let groups):
            state.cron = groups
            state.clampCursor(.cron)
        case .logs(let entries):
            state.logs = entries
            if state.followLogs { state.logsCursor = ListCursor() }
            state.clampCursor(.logs)
        case .tokens(let email, let tokens):
            applyTokens(&state, email: email, tokens)
        case .tokenCreated(let taskID, let created):
            return showCreatedToken(&state, taskID: taskID, created)
        case .interruptRequested:
            break
        case .importPreview(let taskID, let path, let override, let report):
            guard state.task?.id == taskID else { return [] }  // cancelled meanwhile
            state.task = nil
            state.modals.append(.importPreview(ImportPreview(path: path, override: override, report: report)))
        }
        return []
    }

    static func cancelTask(_ state: inout AppState) -> [Effect] {
        guard let task = state.task else { return [] }
        if task.cancellable {
            state.task = nil
            flash(&state, "Cancelled: \(task.label)", .info)
            return [.interruptWork]
        } else {
            flash(&state, "\(task.label) cannot be stopped halfway; it finishes on its own", .info)
        }
        return []
    }
}
