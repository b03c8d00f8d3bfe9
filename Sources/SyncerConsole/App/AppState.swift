import SyncerCore

/// The hosts list: the filter, the total (counted once per filter), and only a window
/// of rows around what is on screen, so 1M hosts cost what 100 do.
public struct HostsState {
    public var filter = LineInput()
    public var editingFilter = false
    /// Bumped on every filter change; results of older filters are dropped.
    public var generation = 0
    /// nil while counting.
    public var total: Int?
    public var windowOffset = 0
    public var window: [HostObject] = []
    /// The filter generation the window was loaded for (older windows stay on screen
    /// until the new rows arrive, but never count as loaded).
    public var windowGeneration: Int?
    /// Store positions of rows seen, every `anchorStep` rows: `anchors[k]` is the seq of row
    /// k-1, so a window at k pages "after it" instead of counting k rows again.
    public var anchors: [Int: Int64] = [:]
    public static let anchorStep = 64
    /// Offset of the window being loaded, to ask once per gap.
    public var pendingOffset: Int?
    public var cursor = ListCursor()
    /// Rows the list can scroll through: the count, or what is loaded while counting.
    public var scrollableCount: Int { total ?? (windowOffset + window.count) }

    public func row(_ index: Int) -> HostObject? {
        let i = index - windowOffset
        return window.indices.contains(i) ? window[i] : nil
    }
}

/// Everything the console shows. Screens render from it; only `reduce` changes it.
public struct AppState {
    public var width: Int
    public var height: Int
    public var readOnly: Bool
    /// The database location, shown in the title bar.
    public var location: String
    public var stack: [Page] = [.users]
    public var modals: [Modal] = []
    public var flash: Flash?
    public var task: RunningTask?
    public var nextTaskID = 1
    public var shouldQuit = false
    public var clock: Double = 0

    public var users: [User] = []
    public var usersCursor = ListCursor()
    public var hosts = HostsState()
    public var host: HostObject?
    public var accounts: [Account] = []
    public var accountsCursor = ListCursor()
    public var account: (name: String, fields: [(String, String)])?
    public var ruleTypes: [(type: String, count: Int)] = []
    public var ruleTypesCursor = ListCursor()
    public var rulesType = ""
    public var rules: [JSONObject] = []
    public var rulesTotal = 0
    public var rulesCursor = ListCursor()
    public var cron: [CronGroupStatus] = []
    public var cronCursor = ListCursor()
    public var lastCronLoad: Double = 0
    public var logs: [LogEntry] = []
    public var logsCursor = ListCursor()
    public var followLogs = false
    public var lastLogsLoad: Double = 0
    /// `/` filters of the short lists, by page (the host list keeps its own in `hosts`).
    public var listFilters: [Page: String] = [:]
    public var editingListFilter = false
    /// The rule and log entry a document page shows, fixed when opened (lists reload).
    public var openedRule: (index: Int, document: JSONObject)?
    public var openedLog: LogEntry?
    /// Scroll position of the document pages (host, account, rule, log entry).
    public var documentTop = 0

    public static let minimumWidth = 60
    public static let minimumHeight = 12

    public init(width: Int, height: Int, readOnly: Bool = false, location: String = "") {
        self.width = width; self.height = height; self.readOnly = readOnly; self.location = location
    }

    public var page: Page { stack.last ?? .users }
    public var isTooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }
    /// Rows between the title/column header and the status/hint lines.
    public var bodyHeight: Int { max(1, height - 4) }
}
