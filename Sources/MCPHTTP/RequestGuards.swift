import Foundation
import HTTPTypes
import Hummingbird

/// Refuses requests a browser page on another site could have sent: an `Origin` that is
/// not exactly ours (scheme, host and port) nor in `--allowed-origins` (403), and, when
/// bound to loopback, a `Host` that is not a loopback name (403, DNS rebinding: a rebound
/// request carries no foreign Origin). Any other loopback port is another site: a dev
/// server on localhost:3000 must not drive this one.
struct OriginGuard: RouterMiddleware {
    typealias Context = MCPRequestContext
    let configuration: HTTPTransportConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority ?? ""
        if configuration.bindsLoopback, !Self.isLoopbackAuthority(host) {
            return .plain(.forbidden, "forbidden: Host '\(host)' is not this server")
        }
        if let origin = request.headers[.origin] {
            let https = TransportSecurityGuard.forwardedHTTPS(request, trustedProxies: configuration.trustedProxies)
            if !isAllowed(origin: origin, host: host, scheme: https ? "https" : "http") {
                return .plain(.forbidden, "forbidden: Origin '\(origin)' is not allowed (see --allowed-origins)")
            }
        }
        return try await next(request, context)
    }

    func isAllowed(origin: String, host: String, scheme: String) -> Bool {
        guard let given = Self.normalizedOrigin(origin) else { return false }
        if configuration.allowedOrigins.contains(where: { $0 == "*" || Self.normalizedOrigin($0) == given }) {
            return true
        }
        // The server's own origin: how the client reached us, and the authority it addressed.
        return Self.normalizedOrigin("\(scheme)://\(host)") == given
    }

    /// `scheme://host:port` in lower case with the port always spelled out (80 for http,
    /// 443 for https when absent); nil for `null` or anything that is not such an origin.
    static func normalizedOrigin(_ text: String) -> String? {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host?.lowercased(), !host.isEmpty,
            components.path.isEmpty || components.path == "/", components.query == nil, components.user == nil
        else { return nil }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
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
        return Self.forwardedHTTPS(request, trustedProxies: configuration.trustedProxies)
    }

    /// True when trusted proxies say the client connected with HTTPS.
    static func forwardedHTTPS(_ request: Request, trustedProxies: Int) -> Bool {
        guard trustedProxies > 0, let forwarded = request.headers[.xForwardedProto] else { return false }
        // Each proxy appends its value; only the last N were written by proxies we trust,
        // and the outermost of those tells how the client connected (as werkzeug's ProxyFix).
        let values = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard values.count >= trustedProxies else { return false }
        return values[values.count - trustedProxies] == "https"
    }
}

extension HTTPField.Name {
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let mcpProtocolVersion = HTTPField.Name("MCP-Protocol-Version")!
    static let mcpSessionID = HTTPField.Name("Mcp-Session-Id")!
}
