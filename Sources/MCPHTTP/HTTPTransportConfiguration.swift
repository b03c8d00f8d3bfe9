import Foundation
import MCPServer

/// Settings of the HTTP service (`--transport sse`), resolved from flags and environment.
public struct HTTPTransportConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Accept Basic credentials over plain HTTP from any peer (`--allow-insecure-api-auth`).
    public var allowInsecureAuth: Bool
    /// Reverse proxies in front of us whose `X-Forwarded-Proto` is believed.
    public var trustedProxies: Int
    /// Origins accepted besides the server's own (`--allowed-origins`).
    public var allowedOrigins: [String]
    /// Requests with a larger body get 413.
    public var maxBodyBytes: Int
    /// How often an idle SSE stream gets a comment, so a vanished client is noticed.
    public var keepAliveInterval: Duration
    /// Connections, sessions, timeouts and queues (flags `--max-connections` …).
    public var limits: MCPConfiguration.Limits
    /// How long a verified credential is reused without another scrypt check.
    public var credentialLifetime: TimeInterval
    /// Failed logins per peer address per minute before 429.
    public var maxFailuresPerMinute: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8765, allowInsecureAuth: Bool = false, trustedProxies: Int = 0,
        allowedOrigins: [String] = [], maxBodyBytes: Int = 16 << 20, keepAliveInterval: Duration = .seconds(15),
        limits: MCPConfiguration.Limits = .init(), credentialLifetime: TimeInterval = 300, maxFailuresPerMinute: Int = 20
    ) {
        self.host = host; self.port = port; self.allowInsecureAuth = allowInsecureAuth
        self.trustedProxies = trustedProxies; self.allowedOrigins = allowedOrigins; self.maxBodyBytes = maxBodyBytes
        self.keepAliveInterval = keepAliveInterval; self.limits = limits
        self.credentialLifetime = credentialLifetime; self.maxFailuresPerMinute = maxFailuresPerMinute
    }

    /// Bound to a loopback address: then the Host header must name loopback too, which
    /// stops DNS-rebinding pages from talking to a local server.
    var bindsLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }
}
