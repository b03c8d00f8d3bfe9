import Foundation

/// Everything an operation can refuse, typed so front ends map it (MCP: `isError` result or
/// -32602; CLI: one stderr line and exit code) and worded so the reader can fix the cause.
public enum SyncerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A value the caller sent is out of range or malformed.
    case invalidArgument(String)
    /// Something named does not exist: kind ("host", "account", "rule type"…) and name.
    case notFound(kind: String, name: String)
    /// The record exists already (creating a user twice).
    case alreadyExists(kind: String, name: String)
    /// The acting user may not do this (read-only user, `all` needed…).
    case permissionDenied(String)
    /// Login failed; the text never says which of name or password was wrong.
    case authenticationFailed(String)
    /// A bundle or document could not be read; nothing was written.
    case invalidBundle(String)
    /// The database could not be opened or written.
    case storage(String)
    /// Secrets could not be encrypted or decrypted (missing or wrong key).
    case crypto(String)
    /// Long work was stopped on request (`Syncer.interruptRunningWork`); nothing was written.
    case interrupted
    /// Another process holds what this one needs (a second cron runner); try again later.
    case busy(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return m
        case .notFound(let kind, let name): return "\(kind) '\(name)' not found"
        case .alreadyExists(let kind, let name): return "\(kind) '\(name)' already exists"
        case .permissionDenied(let m): return "permission denied: \(m)"
        case .authenticationFailed(let m): return "authentication failed: \(m)"
        case .invalidBundle(let m): return "invalid bundle: \(m)"
        case .storage(let m): return "database error: \(m)"
        case .crypto(let m): return "encryption error: \(m)"
        case .interrupted: return "stopped on request; nothing was changed"
        case .busy(let m): return m
        }
    }
}
