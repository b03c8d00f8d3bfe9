import Foundation
import HTTPTypes
import Hummingbird

/// Refuses requests a browser page on another site could have sent: an `Origin` that is
/// not ours or allowed (403), and, when bound to loopback, a `Host` that is not a
/// loopback name (403, DNS rebinding: a rebound request carries no foreign Origin).
struct OriginGuard: RouterMiddleware {
    typealias Context = MCPRequestContext
    let configuration: HTTPTransportConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority ?? ""
        if configuration.bindsLoopback, !Self.isLoopbackAuthority(host) {
            return .plain(.forbidden, "forbidden: Host '\(host)' is not this server")
        }
        if let origin = request.headers[.origin], !isAllowed(origin: origin, host: host) {
            return .plain(.forbidden, "forbidden: Origin '\(origin)' is not allowed (see --allowed-origins)")
        }
        return try await next(request, context)
    }

    func isAllowed(origin: String, host: String) -> Bool {
        if configuration.allowedOrigins.contains(where: { $0 == "*" || $0.caseInsensitiveCompare(origin) == .orderedSame }) {
            return true
        }
        // The server's own origin: the authority the client addressed.
        guard let components = URLComponents(string: origin), let originHost = components.host else { return false }
        let originAuthority = components.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.caseInsensitiveCompare(host) == .orderedSame
            || (configuration.bindsLoopback && Self.isLoopbackAuthority(originAuthority))
    }

    /// `localhost`, `127.0.0.1`, `[::1]`, with or without a port.
    static func isLoopbackAuthority(_ authority: String) -> Bool {
        var name = authority.lowercased()
        if name.hasPrefix("[") {
            name = String(name.dropFirst().prefix { $0 != "]" })
        } else if let colon = name.lastIndex(of: ":") {
            name = String(name[..<colon])
        }
        return name == "localhost" || name == "127.0.0.1" || name == "::1"
    }
}

/// Credentials must not cross a network in clear text: plain HTTP is accepted only from
/// 127.0.0.1 and ::1 (other loopback addresses count as remote), with
/// `--allow-insecure-api-auth`, or behind `--trusted-proxies` that say `https`.
struct TransportSecurityGuard: RouterMiddleware {
    typealias Context = MCPRequestContext
    let configuration: HTTPTransportConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard isSecure(request, peer: context.peerAddress) else {
            return .unauthorized("unauthorized: HTTPS is required for remote clients (or run behind a TLS proxy with --trusted-proxies)")
        }
        return try await next(request, context)
    }

    func isSecure(_ request: Request, peer: String) -> Bool {
        if peer == "127.0.0.1" || peer == "::1" || configuration.allowInsecureAuth { return true }
        guard configuration.trustedProxies > 0, let forwarded = request.headers[.xForwardedProto] else { return false }
        // Each proxy appends its value; only the last N were written by proxies we trust,
        // and the outermost of those tells how the client connected (as werkzeug's ProxyFix).
        let values = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard values.count >= configuration.trustedProxies else { return false }
        return values[values.count - configuration.trustedProxies] == "https"
    }
}

extension HTTPField.Name {
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let mcpProtocolVersion = HTTPField.Name("MCP-Protocol-Version")!
    static let mcpSessionID = HTTPField.Name("Mcp-Session-Id")!
}
