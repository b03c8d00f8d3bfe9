import ArgumentParser
import Foundation
import Logging
import MCPHTTP
import MCPServer
import SyncerCore

/// `cmdbsyncer-mcp`: the MCP server. Parses flags, resolves credentials once, then serves
/// JSON-RPC on stdout. stdout carries nothing else: logs and errors go to stderr.
struct CMDBSyncerMCP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmdbsyncer-mcp",
        abstract: "MCP server for the CMDB syncer's hosts, accounts, rules, cron groups and logs.",
        discussion: """
            Every flag falls back to its environment variable: CMDBSYNCER_DB, CMDBSYNCER_MCP_TRANSPORT, \
            CMDBSYNCER_MCP_HOST, CMDBSYNCER_MCP_PORT, CMDBSYNCER_API_USER, CMDBSYNCER_API_PASSWORD, CMDBSYNCER_API_TOKEN, \
            CMDBSYNCER_ALLOW_INSECURE_API_AUTH=1, CMDBSYNCER_TRUSTED_PROXIES, CMDBSYNCER_MCP_READ_ONLY=1, \
            CMDBSYNCER_MCP_ALLOWED_ORIGINS, CMDBSYNCER_MCP_MAX_BODY_BYTES, CMDBSYNCER_MCP_MAX_IN_FLIGHT, \
            CMDBSYNCER_MCP_MAX_CONNECTIONS, CMDBSYNCER_MCP_MAX_SSE_SESSIONS, CMDBSYNCER_MCP_MAX_SSE_SESSIONS_PER_USER, \
            CMDBSYNCER_MCP_IDLE_TIMEOUT, \
            CMDBSYNCER_MCP_REQUEST_TIMEOUT, CMDBSYNCER_MCP_WRITE_TIMEOUT, CMDBSYNCER_MCP_MAX_QUEUED_BYTES. Flags win.
            """,
        version: MCPServer.serverVersion
    )

    @Option(name: .customLong("db"), help: "SQLite file path (or postgres:// URL) of the syncer database.")
    var database: String?

    @Option(help: "stdio (default) or sse (HTTP).")
    var transport: String?

    @Option(help: "Address to bind for --transport sse (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port for --transport sse (default 8765).")
    var port: Int?

    @Option(help: "Login (name or e-mail) of the syncer user the stdio server acts as.")
    var user: String?

    @Option(help: "That user's password (visible to other local users in `ps`: prefer CMDBSYNCER_API_PASSWORD or a token).")
    var password: String?

    @Option(help: "A personal API token (cmdb_pat_…) of the user the stdio server acts as, instead of --user/--password.")
    var token: String?

    @Flag(name: .customLong("allow-insecure-api-auth"), help: "HTTP: accept Basic credentials over plain HTTP from remote peers.")
    var allowInsecureAPIAuth = false

    @Option(name: .customLong("trusted-proxies"), help: "HTTP: number of reverse proxies whose X-Forwarded-Proto is trusted.")
    var trustedProxies: Int?

    @Flag(name: .customLong("read-only"), help: "Offer only tools that read; write tools are not registered.")
    var readOnly = false

    @Option(name: .customLong("allowed-origins"), help: "HTTP: comma-separated Origins accepted besides the server's own.")
    var allowedOrigins: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest message accepted, in bytes (default 16 MiB).")
    var maxBodyBytes: Int?

    @Option(name: .customLong("max-in-flight"), help: "Requests one client may have in progress at once (default 64).")
    var maxInFlight: Int?

    @Option(name: .customLong("max-connections"), help: "HTTP: connections served at once; more wait (default 2048).")
    var maxConnections: Int?

    @Option(name: .customLong("max-sse-sessions"), help: "HTTP: open legacy SSE sessions; more get 503 (default 1000).")
    var maxSSESessions: Int?

    @Option(name: .customLong("max-sse-sessions-per-user"), help: "HTTP: open legacy SSE sessions of one user; more get 503 (default 32).")
    var maxSSESessionsPerUser: Int?

    @Option(name: .customLong("idle-timeout"), help: "HTTP: seconds a connection may wait without a complete request head (default 30).")
    var idleTimeout: Int?

    @Option(name: .customLong("request-timeout"), help: "HTTP: seconds a request body may take to arrive (default 30).")
    var requestTimeout: Int?

    @Option(name: .customLong("write-timeout"), help: "HTTP: seconds a client may leave our output unread before it is dropped (default 30).")
    var writeTimeout: Int?

    @Option(name: .customLong("max-queued-bytes"), help: "HTTP: reply bytes queued on one SSE session before it is closed (default 32 MiB).")
    var maxQueuedBytes: Int?

    func serve() async {
        var flags = MCPConfiguration.Flags()
        flags.database = database; flags.transport = transport; flags.host = host; flags.port = port
        flags.user = user; flags.password = password; flags.token = token; flags.allowInsecureAPIAuth = allowInsecureAPIAuth
        flags.trustedProxies = trustedProxies; flags.readOnly = readOnly; flags.allowedOrigins = allowedOrigins
        flags.maxBodyBytes = maxBodyBytes; flags.maxInFlight = maxInFlight; flags.maxConnections = maxConnections
        flags.maxSSESessions = maxSSESessions; flags.maxSSESessionsPerUser = maxSSESessionsPerUser; flags.idleTimeout = idleTimeout; flags.requestTimeout = requestTimeout
        flags.writeTimeout = writeTimeout; flags.maxQueuedBytes = maxQueuedBytes
        let environment = ProcessInfo.processInfo.environment
        if password != nil {
            Logger(label: "cmdbsyncer.mcp").warning(
                "--password on the command line can be read by other local users (ps, /proc); set CMDBSYNCER_API_PASSWORD or use --token / CMDBSYNCER_API_TOKEN instead")
        }

        let config: MCPConfiguration
        do { config = try MCPConfiguration.resolve(flags, environment: environment) } catch {
            fail("\(error)", code: 2)
        }
        if config.transport == .sse {
            await serveHTTP(config, environment: environment)
            return
        }
        let syncer: Syncer
        let user: User
        let tokenID: String?
        do {
            if let token = config.token {
                // A token costs one SHA-256, no scrypt: the fast start for MCP clients.
                syncer = try Syncer.open(database: config.database, environment: environment, createIfMissing: false)
                (user, tokenID) = try syncer.authenticate(token: token, requiring: [.mcp])
            } else {
                guard let login = config.user, let secret = config.password else {
                    fail("no credentials: pass --token, or --user and --password (or set CMDBSYNCER_API_TOKEN, or CMDBSYNCER_API_USER and CMDBSYNCER_API_PASSWORD)", code: 1)
                }
                syncer = try Syncer.open(database: config.database, environment: environment, createIfMissing: false)
                user = try syncer.authenticate(login: login, password: secret, requiring: [.mcp])
                tokenID = nil
            }
        } catch {
            fail("\(error)", code: 1)
        }
        guard let userID = user.id else { fail("the user record has no _id", code: 1) }
        let server = MCPServer(syncer: syncer, options: .init(readOnly: config.readOnly))
        let principal = Principal(user: user, source: "mcp")
        Logger(label: "cmdbsyncer.mcp").info(
            "serving MCP on stdio as \(principal.name)\(tokenID.map { " (API token \($0))" } ?? "")\(config.readOnly || principal.readonly ? " (read-only)" : ""), \(server.tools.count) tools")
        // Before each request the user is read again by id (no password check), so a
        // disabled user, a revoked role or token, or a new read-only flag apply at once.
        let authorize: StdioTransport.Authorizer = {
            do {
                let current = try syncer.recheckSession(userID: userID, tokenID: tokenID, requiring: [.mcp])
                return .success(Principal(user: current, source: "mcp"))
            } catch let error as SyncerError {
                return .failure(error)
            } catch {
                return .failure(.storage("\(error)"))
            }
        }
        await StdioTransport(server: server, authorize: authorize, maxLineBytes: config.maxBodyBytes,
                             maxInFlight: config.limits.maxInFlight).run()
    }

    /// `--transport sse`: every request brings its own Basic credentials, so none are bound here.
    private func serveHTTP(_ config: MCPConfiguration, environment: [String: String]) async {
        let logger = Logger(label: "cmdbsyncer.mcp.http")
        if config.user != nil || config.password != nil || config.token != nil {
            logger.warning("--user/--password/--token are ignored with --transport sse: each HTTP request carries its own credentials")
        }
        let syncer: Syncer
        do { syncer = try Syncer.open(database: config.database, environment: environment, createIfMissing: false) } catch {
            fail("\(error)", code: 1)
        }
        let server = MCPServer(syncer: syncer, options: .init(readOnly: config.readOnly))
        let http = HTTPTransportConfiguration(
            host: config.host, port: config.port, allowInsecureAuth: config.allowInsecureAPIAuth,
            trustedProxies: config.trustedProxies, allowedOrigins: config.allowedOrigins, maxBodyBytes: config.maxBodyBytes,
            limits: config.limits)
        do {
            try await MCPHTTPService.run(server: server, syncer: syncer, configuration: http, logger: logger) { port in
                logger.info("serving MCP on http://\(config.host):\(port) (/mcp Streamable HTTP, /sse legacy SSE)\(config.readOnly ? ", read-only" : "")")
            }
        } catch {
            fail("HTTP service on \(config.host):\(config.port) failed: \(error)", code: 1)
        }
    }

    /// One line on stderr, nothing on stdout, and the exit code.
    private func fail(_ message: String, code: Int32) -> Never {
        // Messages quote logins, paths and names from data: escaped like log lines.
        FileHandle.standardError.write(Data("cmdbsyncer-mcp: \(TerminalText.escaped(message))\n".utf8))
        Foundation.exit(code)
    }
}

// Escaped: log lines carry logins, hostnames and messages from data (see EscapingLogHandler).
LoggingSystem.bootstrap { label in
    EscapingLogHandler<StreamLogHandler>.standardError(label: label, level: .info)
}

// Parse (help, version and usage errors exit here), then serve. The serving entry point is
// a plain async method: in main.swift top-level code `AsyncParsableCommand.main()` resolves
// to the synchronous overload.
await CMDBSyncerMCP.parseOrExit().serve()
