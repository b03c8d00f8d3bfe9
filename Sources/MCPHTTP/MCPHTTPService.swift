import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import Logging
import MCPServer
import NIOCore
import ServiceLifecycle
import SyncerCore

/// `cmdbsyncer-mcp --transport sse`: one HTTP service speaking Streamable HTTP and the
/// legacy SSE transport, with the guards in this order: Origin/Host (403), HTTPS rule
/// (401), credentials (Basic or API token) per request (401/429), then the route.
public enum MCPHTTPService {
    /// Runs until SIGTERM or SIGINT. Open SSE streams are ended first so the server stops
    /// within moments, while requests in flight finish. `onListening` gets the bound port.
    public static func run(
        server: MCPServer, syncer: Syncer, configuration: HTTPTransportConfiguration, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let limits = configuration.limits
        FileDescriptorLimit.raise(toServe: limits.maxConnections, logger: logger)
        let sessions = SSESessionRegistry(
            capacity: limits.maxSSESessions, perOwnerCapacity: limits.maxSSESessionsPerUser,
            maxQueuedBytes: limits.maxQueuedBytes, maxInFlight: limits.maxInFlight)
        let router = Router(context: MCPRequestContext.self)
        router.add(middleware: OriginGuard(configuration: configuration))
        router.add(middleware: TransportSecurityGuard(configuration: configuration))
        router.add(middleware: CredentialAuthentication(
            syncer: syncer, cache: VerifiedPasswordCache(lifetime: configuration.credentialLifetime),
            failures: LoginFailureLimiter(limit: configuration.maxFailuresPerMinute)))
        MCPHTTPRoutes(server: server, sessions: sessions, configuration: configuration).register(on: router)

        let requestTimeout = TimeAmount.seconds(Int64(limits.requestTimeout))
        let writeTimeout = TimeAmount.seconds(Int64(limits.writeTimeout))
        let app = Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ConnectionDeadlineHandler(requestTimeout: requestTimeout, writeTimeout: writeTimeout)],
                idleTimeout: .seconds(Int64(limits.idleTimeout)))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "cmdbsyncer-mcp",
                availableConnectionsDelegate: .maximum(limits.maxConnections, logger: logger)),
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

/// Each connection costs a file descriptor. Lift the soft limit toward the hard one so
/// `--max-connections` is what bounds us, and say so when the hard limit is lower.
enum FileDescriptorLimit {
    static func raise(toServe connections: Int, logger: Logger) {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return }
        let wanted = rlim_t(connections + 256)  // the database, logs, the listener, SSE bookkeeping
        if limit.rlim_cur < wanted {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            _ = setrlimit(resource, &limit)
        }
        if limit.rlim_cur < wanted {
            logger.warning("the open-file limit (\(limit.rlim_cur)) is below what --max-connections \(connections) needs (\(wanted)); lower --max-connections or raise `ulimit -n`")
        }
    }
}
