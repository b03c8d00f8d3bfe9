import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCPServer
import NIOCore
import ServiceLifecycle
import SyncerCore

/// `cmdbsyncer-mcp --transport sse`: one HTTP service speaking Streamable HTTP and the
/// legacy SSE transport, with the guards in this order: Origin/Host (403), HTTPS rule
/// (401), Basic credentials per request (401/429), then the route.
public enum MCPHTTPService {
    /// Runs until SIGTERM or SIGINT. Open SSE streams are ended first so the server stops
    /// within moments, while requests in flight finish. `onListening` gets the bound port.
    public static func run(
        server: MCPServer, syncer: Syncer, configuration: HTTPTransportConfiguration, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let sessions = SSESessionRegistry(capacity: configuration.maxSessions)
        let router = Router(context: MCPRequestContext.self)
        router.add(middleware: OriginGuard(configuration: configuration))
        router.add(middleware: TransportSecurityGuard(configuration: configuration))
        router.add(middleware: BasicAuthentication(
            syncer: syncer, cache: VerifiedPasswordCache(lifetime: configuration.credentialLifetime),
            failures: LoginFailureLimiter(limit: configuration.maxFailuresPerMinute)))
        MCPHTTPRoutes(server: server, sessions: sessions, configuration: configuration).register(on: router)

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "cmdbsyncer-mcp"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [app, SessionCloser(sessions: sessions)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// Ends every SSE stream when shutdown begins. Services stop in reverse order, so this
/// runs before the HTTP server waits for its open responses.
private struct SessionCloser: Service {
    let sessions: SSESessionRegistry
    func run() async throws {
        try? await gracefulShutdown()
        await sessions.closeAll()
    }
}
