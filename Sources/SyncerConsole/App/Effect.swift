/// Where a host window starts in keyset terms: after the host with `afterSeq`, skipping
/// `skip` more. Paging by offset alone scans every row before the window (0.4 s at row
/// 500,000 of a million); from a nearby row seen before it costs next to nothing.
public struct HostAnchor: Equatable, Sendable {
    public var afterSeq: Int64
    public var skip: Int
}

/// Work the reducer asks for. The backend runs effects off the input loop and feeds
/// their results back as actions; tests run them synchronously with `EffectRunner`.
public enum Effect: Equatable, Sendable {
    case loadUsers
    case loadTokens(email: String)
    case loadHosts(filter: String, generation: Int, offset: Int, limit: Int, anchor: HostAnchor?)
    case countHosts(filter: String, generation: Int)
    case loadHost(String)
    case loadAccounts
    case loadAccount(String)
    case loadRuleTypes
    case loadRules(String)
    case loadCron
    case loadLogs
    case previewImport(taskID: Int, path: String, override: Bool)
    case write(taskID: Int, WriteRequest)
    /// Stops the running import or export in the store (it rolls back / leaves no file).
    case interruptWork

    /// Effects with the same key replace each other while queued: when the operator types
    /// "web01" only the count for "web01" runs, not one per letter.
    public var supersedeKey: String? {
        switch self {
        case .loadHosts: return "hosts.window"
        case .countHosts: return "hosts.count"
        case .loadCron: return "cron"
        case .loadLogs: return "logs"
        case .loadHost: return "host"
        default: return nil
        }
    }

    /// Worker lanes: effects on one lane run in order, lanes run side by side.
    public enum Lane: Sendable { case quick, hosts, slow }

    /// Slow work (counting a filtered million rows, bundles) and host windows (a rare label
    /// can scan every host) get lanes of their own, so switching screens and small writes
    /// stay quick meanwhile.
    public var lane: Lane {
        switch self {
        case .loadHosts: return .hosts
        case .countHosts, .previewImport: return .slow
        case .write(_, let request):
            if case .importFile = request { return .slow }
            if case .export = request { return .slow }
            return .quick
        default: return .quick
        }
    }
}
