/// Where a binding applies.
public enum BindingScope: Equatable, Sendable {
    case everywhere
    /// Every list page (users, hosts, …, not documents).
    case lists
    case page(Page)
    /// The API token list of a user, a modal opened with `t` on Users.
    case tokens
}

/// One key binding: the single table the key dispatch, the `?` help and the hint line
/// are all built from, so they can never disagree.
public struct Binding {
    public var keys: [Key]
    public var action: Action
    public var help: String
    /// Short label for the hint line; nil keeps the binding out of it.
    public var hint: String?
    public var scope: BindingScope
    /// Writes are dropped entirely in read-only mode: not dispatched, not shown.
    public var writes: Bool

    init(_ keys: [Key], _ action: Action, _ help: String, hint: String? = nil, scope: BindingScope, writes: Bool = false) {
        self.keys = keys; self.action = action; self.help = help; self.hint = hint; self.scope = scope; self.writes = writes
    }

    /// "j/↓" in help and hints.
    public var keyLabel: String { keys.prefix(2).map(\.label).joined(separator: "/") }
}

public enum Keymap {
    /// The bindings of normal (non-typing) mode, most specific scopes first.
    public static let table: [Binding] = [
        // Users.
        Binding([.char("a")], .addUser, "Create a user", hint: "Add", scope: .page(.users), writes: true),
        Binding([.char("r"), .enter], .editRoles, "Grant or revoke API roles", hint: "Roles", scope: .page(.users), writes: true),
        Binding([.char("d")], .toggleDisabled, "Disable or enable the login", hint: "Disable", scope: .page(.users), writes: true),
        Binding([.char("o")], .toggleReadonly, "Turn read-only on or off", hint: "Read-only", scope: .page(.users), writes: true),
        Binding([.char("p")], .resetPassword, "Reset the password", hint: "Passwd", scope: .page(.users), writes: true),
        Binding([.char("t")], .showTokens, "API tokens of the user: list, create, revoke", hint: "Tokens", scope: .page(.users)),
        // The token list of a user (a modal).
        Binding([.char("n"), .char("a")], .createToken, "Create a token (its secret is shown once)", hint: "New", scope: .tokens, writes: true),
        Binding([.char("x"), .char("d")], .revokeToken, "Revoke the token (asks first)", hint: "Revoke", scope: .tokens, writes: true),
        Binding([.char("j"), .down], .moveDown, "Down", scope: .tokens),
        Binding([.char("k"), .up], .moveUp, "Up", scope: .tokens),
        Binding([.char("g"), .home], .first, "First token", scope: .tokens),
        Binding([.char("G"), .end], .last, "Last token", scope: .tokens),
        Binding([.ctrl("r")], .refresh, "Reload the tokens", scope: .tokens),
        Binding([.escape, .char("q")], .cancel, "Close the token list", hint: "Close", scope: .tokens),
        // Hosts.
        Binding([.char("/")], .startFilter, "Filter: words match hostnames, key=value labels", hint: "Filter", scope: .page(.hosts)),
        Binding([.char("/")], .startFilter, "Filter the list as you type", hint: "Filter", scope: .lists),
        Binding([.enter], .open, "Show the host", hint: "Open", scope: .page(.hosts)),
        Binding([.char("D"), .delete], .deleteHost, "Delete the host (asks first)", hint: "Delete", scope: .page(.hosts), writes: true),
        Binding([.char("D"), .delete], .deleteHost, "Delete this host (asks first)", hint: "Delete", scope: .page(.hostDetail), writes: true),
        // Accounts.
        Binding([.enter], .open, "Show the account", hint: "Open", scope: .page(.accounts)),
        // Rules.
        Binding([.enter], .open, "Show the rules of this type", hint: "Open", scope: .page(.ruleTypes)),
        Binding([.enter], .open, "Show the rule", hint: "Open", scope: .page(.rules)),
        Binding([.char("e")], .exportRules, "Export rules to a file", hint: "Export", scope: .page(.ruleTypes)),
        Binding([.char("e")], .exportRules, "Export this type to a file", hint: "Export", scope: .page(.rules)),
        Binding([.char("i")], .importRules, "Import a bundle file (preview first)", hint: "Import", scope: .page(.ruleTypes), writes: true),
        // Cron.
        Binding([.char("t")], .triggerCron, "Run the group on the next cron pass", hint: "Trigger", scope: .page(.cron), writes: true),
        // Logs.
        Binding([.enter], .open, "Show the entry with its details", hint: "Open", scope: .page(.logs)),
        Binding([.char("f")], .toggleFollow, "Follow new entries", hint: "Follow", scope: .page(.logs)),
        // Lists and documents.
        Binding([.char("j"), .down], .moveDown, "Down", scope: .everywhere),
        Binding([.char("k"), .up], .moveUp, "Up", scope: .everywhere),
        Binding([.pageDown, .ctrl("f")], .pageDown, "Page down", scope: .everywhere),
        Binding([.pageUp, .ctrl("b")], .pageUp, "Page up", scope: .everywhere),
        Binding([.char("g"), .home], .first, "First row", scope: .everywhere),
        Binding([.char("G"), .end], .last, "Last row", scope: .everywhere),
        Binding([.ctrl("r")], .refresh, "Reload from the database", scope: .everywhere),
        // Everywhere.
        Binding([.char("?"), .function(1)], .showHelp, "This help", hint: "Help", scope: .everywhere),
        Binding([.char(":")], .showPalette, "Command: :users :hosts :accounts :rules :cron :logs", hint: "Cmd", scope: .everywhere),
        Binding([.tab], .nextSection, "Next screen", scope: .everywhere),
        Binding([.backTab], .previousSection, "Previous screen", scope: .everywhere),
        Binding([.char("1")], .goTo(.users), "Users", scope: .everywhere),
        Binding([.char("2")], .goTo(.hosts), "Hosts", scope: .everywhere),
        Binding([.char("3")], .goTo(.accounts), "Accounts", scope: .everywhere),
        Binding([.char("4")], .goTo(.rules), "Rules", scope: .everywhere),
        Binding([.char("5")], .goTo(.cron), "Cron", scope: .everywhere),
        Binding([.char("6")], .goTo(.logs), "Logs", scope: .everywhere),
        Binding([.escape], .back, "Back (clears an active filter first)", scope: .everywhere),
        Binding([.char("q")], .close, "Back; on a top screen: quit", hint: "Quit", scope: .everywhere),
        Binding([.function(10), .ctrl("c")], .quit, "Quit", scope: .everywhere),
    ]

    /// The bindings that apply on `page`, most specific first, writes dropped when read-only.
    public static func bindings(for page: Page, readOnly: Bool) -> [Binding] {
        table.filter { binding in
            if readOnly && binding.writes { return false }
            switch binding.scope {
            case .everywhere: return true
            case .lists: return !page.isDocument && page != .hosts
            case .page(let p): return p == page
            case .tokens: return false
            }
        }
    }

    /// The bindings of the token list modal, writes dropped when read-only.
    public static func tokenBindings(readOnly: Bool) -> [Binding] {
        table.filter { $0.scope == .tokens && !(readOnly && $0.writes) }
    }

    /// What `key` means in `state`: typing goes to the focused field, everything else
    /// through the binding table.
    public static func action(for key: Key, in state: AppState) -> Action? {
        if state.isTooSmall {
            switch key {
            case .char("q"), .escape, .function(10), .ctrl("c"): return .quit
            default: return nil
            }
        }
        if let modal = state.modals.last { return modalAction(for: key, modal, readOnly: state.readOnly) }
        if state.page == .hosts, state.hosts.editingFilter { return textAction(for: key) }
        if state.editingListFilter { return textAction(for: key) }
        if state.task != nil, key == .escape { return .cancelTask }
        return bindings(for: state.page, readOnly: state.readOnly).first { $0.keys.contains(key) }?.action
    }

    static func nextSection(after section: Section, step: Int = 1) -> Section {
        let all = Section.allCases
        let i = all.firstIndex(of: section)!
        return all[(i + step + all.count) % all.count]
    }

    private static func modalAction(for key: Key, _ modal: Modal, readOnly: Bool) -> Action? {
        switch modal {
        case .help:
            switch key {
            case .escape, .char("q"), .char("?"), .enter, .function(1): return .cancel
            case .char("j"), .down: return .moveDown
            case .char("k"), .up: return .moveUp
            case .pageDown, .char(" "): return .pageDown
            case .pageUp: return .pageUp
            case .char("g"), .home: return .first
            case .char("G"), .end: return .last
            default: return nil
            }
        case .rolePicker:
            switch key {
            case .escape, .char("q"): return .cancel
            case .char("j"), .down: return .moveDown
            case .char("k"), .up: return .moveUp
            case .char(" "), .enter: return .toggleRole
            case .char("g"), .home: return .first
            case .char("G"), .end: return .last
            default: return nil
            }
        case .form(let form) where form.focusedIsToggle:
            switch key {
            case .escape: return .cancel
            case .char(" "), .char("x"): return .toggleField
            case .enter: return .submit
            case .tab, .down, .char("j"): return .nextField
            case .backTab, .up, .char("k"): return .previousField
            default: return nil
            }
        case .form:
            switch key {
            case .tab, .down: return .nextField
            case .backTab, .up: return .previousField
            default: return textAction(for: key)
            }
        case .importPreview:
            switch key {
            case .down: return .moveDown
            case .up: return .moveUp
            default: return textAction(for: key)
            }
        case .tokens:
            return tokenBindings(readOnly: readOnly).first { $0.keys.contains(key) }?.action
        case .newToken:
            // Only a deliberate Enter or Esc closes it; other keys cannot lose the token.
            switch key {
            case .enter: return .submit
            case .escape: return .cancel
            default: return nil
            }
        case .palette, .confirm:
            return textAction(for: key)
        }
    }

    private static func textAction(for key: Key) -> Action? {
        switch key {
        case .escape: return .cancel
        case .enter: return .submit
        case .backspace: return .deleteBackward
        case .ctrl("u"): return .clearInput
        case .tab: return .complete
        case .ctrl("c"): return .quit
        case .char(let c): return .insert(c)
        default: return nil
        }
    }

    /// Commands of the `:` palette.
    public static let commands: [String] = Section.allCases.map(\.rawValue) + ["help", "quit", "refresh"]

    /// Tab completion: the single match, else the longest common prefix of the matches.
    public static func complete(_ text: String) -> String {
        let matches = commands.filter { $0.hasPrefix(text.lowercased()) }
        guard let first = matches.first else { return text }
        if matches.count == 1 { return first }
        var prefix = first
        for m in matches.dropFirst() { while !m.hasPrefix(prefix) { prefix.removeLast() } }
        return prefix.count > text.count ? prefix : text
    }
}
