import Foundation
import SyncerCore

/// The server's settings after flags and environment are merged: a flag wins over its
/// environment variable, the variable over the default (the table in DESIGN.md).
public struct MCPConfiguration: Equatable, Sendable {
    public enum Transport: String, Sendable { case stdio, sse }

    public var database: String?
    public var transport: Transport = .stdio
    public var host = "127.0.0.1"
    public var port = 8765
    public var user: String?
    public var password: String?
    /// A personal API token (`cmdb_pat_…`) instead of user and password (stdio).
    public var token: String?
    public var allowInsecureAPIAuth = false
    public var trustedProxies = 0
    public var readOnly = false
    public var allowedOrigins: [String] = []
    public var maxBodyBytes = 16 << 20
    public var limits = Limits()

    public init() {}

    /// Bounds on what clients may hold of the server: connections, sessions, time and
    /// memory. Each has a flag and a variable (README, "Resource limits").
    public struct Limits: Equatable, Sendable {
        /// HTTP connections served at once; more wait in the listen backlog.
        public var maxConnections = 2048
        /// Open legacy SSE sessions; more get 503.
        public var maxSSESessions = 1000
        /// Open legacy SSE sessions of one user; more get 503 (others still open theirs).
        public var maxSSESessionsPerUser = 32
        /// Seconds a connection may go without a complete request head (idle keep-alive,
        /// slow-loris headers) before it is closed.
        public var idleTimeout = 30
        /// Seconds a request body may take to arrive in full (slow-loris bodies).
        public var requestTimeout = 30
        /// Seconds a connection may refuse to take our output (a client that does not read).
        public var writeTimeout = 30
        /// Requests one client may have in progress at once (stdio: reading pauses; an SSE
        /// session: 429). Bounds the replies held for a client that does not read them.
        public var maxInFlight = 64
        /// Bytes of replies queued on one SSE session before the session is closed.
        public var maxQueuedBytes = 32 << 20
        public init() {}
    }

    /// The command-line values; nil or false means "not given".
    public struct Flags: Sendable {
        public var database: String?
        public var transport: String?
        public var host: String?
        public var port: Int?
        public var user: String?
        public var password: String?
        public var token: String?
        public var allowInsecureAPIAuth = false
        public var trustedProxies: Int?
        public var readOnly = false
        public var allowedOrigins: String?
        public var maxBodyBytes: Int?
        public var maxConnections: Int?
        public var maxSSESessions: Int?
        public var maxSSESessionsPerUser: Int?
        public var idleTimeout: Int?
        public var requestTimeout: Int?
        public var writeTimeout: Int?
        public var maxInFlight: Int?
        public var maxQueuedBytes: Int?
        public init() {}
    }

    /// A setting that cannot be used; the text names the flag or variable to fix.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public static func resolve(_ flags: Flags, environment env: [String: String]) throws -> MCPConfiguration {
        func value(_ flag: String?, _ name: String) -> String? {
            if let flag { return flag }
            if let v = env[name], !v.isEmpty { return v }
            return nil
        }
        func number(_ flag: Int?, _ flagName: String, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            if let flag {
                guard range.contains(flag) else { throw Invalid(description: "--\(flagName) must be between \(range.lowerBound) and \(range.upperBound), got \(flag)") }
                return flag
            }
            guard let text = env[name], !text.isEmpty else { return nil }
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
                throw Invalid(description: "\(name) must be a number between \(range.lowerBound) and \(range.upperBound), got '\(text)'")
            }
            return n
        }
        var c = MCPConfiguration()
        c.database = flags.database
        if let t = value(flags.transport, "CMDBSYNCER_MCP_TRANSPORT") {
            guard let transport = Transport(rawValue: t.lowercased()) else {
                throw Invalid(description: "unknown transport '\(t)' (--transport / CMDBSYNCER_MCP_TRANSPORT): use stdio or sse")
            }
            c.transport = transport
        }
        c.host = value(flags.host, "CMDBSYNCER_MCP_HOST") ?? c.host
        c.port = try number(flags.port, "port", "CMDBSYNCER_MCP_PORT", 1...65535) ?? c.port
        c.user = value(flags.user, "CMDBSYNCER_API_USER")
        c.password = value(flags.password, "CMDBSYNCER_API_PASSWORD")
        c.token = value(flags.token, "CMDBSYNCER_API_TOKEN")
        c.allowInsecureAPIAuth = try flags.allowInsecureAPIAuth || boolean(env, "CMDBSYNCER_ALLOW_INSECURE_API_AUTH")
        c.trustedProxies = try number(flags.trustedProxies, "trusted-proxies", "CMDBSYNCER_TRUSTED_PROXIES", 0...64) ?? 0
        c.readOnly = try flags.readOnly || boolean(env, "CMDBSYNCER_MCP_READ_ONLY")
        if let origins = value(flags.allowedOrigins, "CMDBSYNCER_MCP_ALLOWED_ORIGINS") {
            c.allowedOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        c.maxBodyBytes = try number(flags.maxBodyBytes, "max-body-bytes", "CMDBSYNCER_MCP_MAX_BODY_BYTES", 1024...(1 << 30)) ?? c.maxBodyBytes
        for setting in limitSettings {
            let variable = "CMDBSYNCER_MCP_" + setting.flag.uppercased().replacingOccurrences(of: "-", with: "_")
            if let n = try number(flags[keyPath: setting.given], setting.flag, variable, setting.range) {
                c.limits[keyPath: setting.limit] = n
            }
        }
        return c
    }

    /// Each limit's flag (`--max-connections`, variable `CMDBSYNCER_MCP_MAX_CONNECTIONS`),
    /// where its value arrives in `Flags`, where it goes in `Limits`, and what it may be.
    static let limitSettings: [(flag: String, given: KeyPath<Flags, Int?>, limit: WritableKeyPath<Limits, Int>, range: ClosedRange<Int>)] = [
        ("max-connections", \.maxConnections, \.maxConnections, 1...1_000_000),
        ("max-sse-sessions", \.maxSSESessions, \.maxSSESessions, 0...1_000_000),
        ("max-sse-sessions-per-user", \.maxSSESessionsPerUser, \.maxSSESessionsPerUser, 0...1_000_000),
        ("idle-timeout", \.idleTimeout, \.idleTimeout, 1...86_400),
        ("request-timeout", \.requestTimeout, \.requestTimeout, 1...86_400),
        ("write-timeout", \.writeTimeout, \.writeTimeout, 1...86_400),
        ("max-in-flight", \.maxInFlight, \.maxInFlight, 1...100_000),
        ("max-queued-bytes", \.maxQueuedBytes, \.maxQueuedBytes, 65_536...(1 << 34)),
    ]

    /// A boolean variable: `1/true/yes/on` or `0/false/no/off` (any case); unset or empty
    /// is off. Anything else is an error naming the variable, never silently off.
    static func boolean(_ env: [String: String], _ name: String) throws -> Bool {
        guard let text = env[name], !text.isEmpty else { return false }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw Invalid(description: "\(name) must be one of 1/0/true/false/yes/no/on/off, got '\(text)'")
        }
    }
}
