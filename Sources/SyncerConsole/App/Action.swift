import SyncerCore

/// Everything that can change the console's state: named user intents (from the key
/// map), terminal events, and results of background work. Only `reduce` applies them.
public enum Action {
    // Moving around.
    case moveUp, moveDown, pageUp, pageDown, first, last
    case open, back, close, quit
    case goTo(Section), nextSection, previousSection
    case showHelp, showPalette, startFilter, refresh

    // Editing the focused line (filter, palette, prompts, forms).
    case insert(Character), deleteBackward, clearInput
    case submit, cancel, complete, nextField, previousField, toggleField

    // Writes and long work (hidden in read-only mode).
    case addUser, editRoles, toggleRole, toggleDisabled, toggleReadonly, resetPassword
    case deleteHost, exportRules, importRules, triggerCron
    /// The API token list of the selected user (a read), and its two writes.
    case showTokens, createToken, revokeToken
    case toggleFollow, cancelTask

    // The terminal.
    case resize(width: Int, height: Int)
    /// A clock tick (seconds since some fixed point): live refresh and status expiry.
    case tick(Double)

    // Results of effects.
    case loaded(Loaded)
    /// A write or long task ended: its message, and which section to reload.
    case finished(taskID: Int, message: String, reload: Section?)
    case failed(taskID: Int?, message: String)
}

/// Data an effect brought back from SyncerCore.
public enum Loaded {
    /// The store was asked to stop the running import/export; its own result follows.
    case interruptRequested
    case users([User])
    /// `seqs` are the hosts' store positions, kept as anchors for later windows.
    case hostWindow(generation: Int, offset: Int, hosts: [HostObject], seqs: [Int64])
    case hostCount(generation: Int, total: Int)
    case host(HostObject)
    case accounts([Account])
    case account(name: String, fields: [(String, String)])
    case ruleTypes([(type: String, count: Int)])
    case rules(type: String, documents: [JSONObject], total: Int)
    case cron([CronGroupStatus])
    case logs([LogEntry])
    case importPreview(taskID: Int, path: String, override: Bool, report: ImportReport)
    case tokens(email: String, [TokenSummary])
    /// The `createToken` write succeeded: the plaintext, for the modal that shows it once.
    case tokenCreated(taskID: Int, NewToken)
}

/// The top-level screens, in tab order.
public enum Section: String, CaseIterable, Sendable {
    case users, hosts, accounts, rules, cron, logs

    public var title: String {
        switch self {
        case .users: return "Users"
        case .hosts: return "Hosts"
        case .accounts: return "Accounts"
        case .rules: return "Rules"
        case .cron: return "Cron"
        case .logs: return "Logs"
        }
    }

    /// The page a section opens on.
    var root: Page {
        switch self {
        case .users: return .users
        case .hosts: return .hosts
        case .accounts: return .accounts
        case .rules: return .ruleTypes
        case .cron: return .cron
        case .logs: return .logs
        }
    }
}

/// One screen of the view stack. Details sit on top of their list; Esc pops.
public enum Page: String, Sendable {
    case users, hosts, hostDetail, accounts, accountDetail, ruleTypes, rules, ruleDocument, cron, logs, logDetail

    public var section: Section {
        switch self {
        case .users: return .users
        case .hosts, .hostDetail: return .hosts
        case .accounts, .accountDetail: return .accounts
        case .ruleTypes, .rules, .ruleDocument: return .rules
        case .cron: return .cron
        case .logs, .logDetail: return .logs
        }
    }

    var isDocument: Bool { self == .hostDetail || self == .accountDetail || self == .ruleDocument || self == .logDetail }
}
