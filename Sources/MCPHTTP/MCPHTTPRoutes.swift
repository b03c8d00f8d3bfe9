import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCPServer
import NIOCore
import SyncerCore

/// The two HTTP transports over one MCP core: Streamable HTTP at `/mcp` and the legacy
/// HTTP+SSE pair `GET /sse` + `POST /messages/?session_id=…` that CMDBsyncer's clients use.
struct MCPHTTPRoutes: Sendable {
    let server: MCPServer
    let sessions: SSESessionRegistry
    let configuration: HTTPTransportConfiguration

    func register(on router: Router<MCPRequestContext>) {
        router.post("/mcp") { request, context in try await self.streamablePost(request, context) }
        router.get("/mcp") { _, _ in Self.methodNotAllowed("POST") }
        router.delete("/mcp") { _, _ in Self.methodNotAllowed("POST") }
        router.get("/sse") { request, context in try await self.openStream(request, context) }
        router.post("/messages") { request, context in try await self.legacyPost(request, context) }
    }

    static func methodNotAllowed(_ allow: String) -> Response {
        var headers = HTTPFields()
        headers[.allow] = allow
        return .plain(.methodNotAllowed, "method not allowed: this server offers no server-initiated stream on /mcp", headers: headers)
    }

    /// Reads the body, refusing more than `maxBodyBytes` with 413.
    private func body(of request: Request) async throws -> Data? {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxBodyBytes { return nil }
        do {
            var buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
            return buffer.readData(length: buffer.readableBytes) ?? Data()
        } catch is NIOTooManyBytesError {
            return nil
        }
    }

    /// MCP messages are JSON: anything else (a `text/plain` form post a browser page may
    /// send without a CORS preflight) is refused before it is read.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return media.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    private var unsupportedMediaType: Response {
        .plain(.unsupportedMediaType, "unsupported Content-Type: MCP messages must be sent as application/json")
    }

    private var tooLarge: Response {
        .plain(.contentTooLarge, "request body larger than \(configuration.maxBodyBytes) bytes (--max-body-bytes)")
    }

    // MARK: Streamable HTTP

    func streamablePost(_ request: Request, _ context: MCPRequestContext) async throws -> Response {
        if let version = request.headers[.mcpProtocolVersion], !MCPServer.supportedProtocolVersions.contains(version) {
            return .plain(.badRequest, "unsupported MCP-Protocol-Version '\(version)'; supported: \(MCPServer.supportedProtocolVersions.joined(separator: ", "))")
        }
        guard let principal = context.principal else { return .unauthorized("unauthorized") }
        guard Self.isJSON(request.headers[.contentType]) else { return unsupportedMediaType }
        guard let data = try await body(of: request) else { return tooLarge }
        guard let reply = await server.handle(data, as: principal) else {
            return Response(status: .accepted)  // a notification or a response: no body
        }
        // Messages that are not JSON-RPC requests at all get 400 with the JSON-RPC error.
        let code = (try? JSONReader.parse(reply))?["error"]?["code"]?.intValue
        return .json(code == -32700 || code == -32600 ? .badRequest : .ok, reply)
    }

    // MARK: Legacy HTTP+SSE

    func openStream(_ request: Request, _ context: MCPRequestContext) async throws -> Response {
        guard let owner = context.userID else { return .unauthorized("unauthorized") }
        let id: String, events: AsyncStream<ByteBuffer>
        switch await sessions.openSession(ownerID: owner) {
        case .success(let opened): (id, events) = opened
        case .failure(.full):
            return .plain(.serviceUnavailable, "too many open SSE sessions (\(configuration.limits.maxSSESessions), --max-sse-sessions); try again later")
        case .failure(.ownerFull):
            return .plain(.serviceUnavailable, "this user has \(configuration.limits.maxSSESessionsPerUser) SSE sessions open (--max-sse-sessions-per-user); close one first")
        }
        let sessions = self.sessions
        // A client that hangs up frees its session at once, not at the next keep-alive.
        context.channel.closeFuture.whenComplete { _ in Task { await sessions.close(id) } }
        let interval = configuration.keepAliveInterval
        let logger = context.logger
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // Periodic comments make a vanished client fail a write, which frees the session.
            let keepAlive = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await sessions.send(ServerSentEvent.keepAlive, to: id, ownerID: owner)
                }
            }
            do {
                try await writer.write(ServerSentEvent.event("endpoint", "/messages/?session_id=\(id)"))
                for await event in events {
                    try await writer.write(event)
                    await sessions.delivered(event.readableBytes, on: id)
                }
                try await writer.finish(nil)
            } catch {
                logger.debug("SSE session \(id) ended: \(error)")
            }
            keepAlive.cancel()
            await sessions.close(id)
        })
    }

    func legacyPost(_ request: Request, _ context: MCPRequestContext) async throws -> Response {
        guard let owner = context.userID, let principal = context.principal else { return .unauthorized("unauthorized") }
        guard let id = request.uri.queryParameters["session_id"].map(String.init)
            ?? request.uri.queryParameters["sessionId"].map(String.init)
        else { return .plain(.badRequest, "missing session_id") }
        guard await sessions.exists(id, ownerID: owner) else {
            return .plain(.notFound, "unknown session '\(id)': open a new one with GET /sse")
        }
        guard Self.isJSON(request.headers[.contentType]) else { return unsupportedMediaType }
        guard let data = try await body(of: request) else { return tooLarge }
        guard await sessions.beginRequest(on: id) else {
            return .plain(.tooManyRequests, "\(configuration.limits.maxInFlight) requests are already in progress on this session (--max-in-flight); wait for their replies")
        }
        let server = self.server, sessions = self.sessions, logger = context.logger
        // The reply travels on the stream; the POST itself is only acknowledged.
        Task {
            if let reply = await server.handle(data, as: principal) {
                let event = ServerSentEvent.event("message", String(decoding: reply, as: UTF8.self))
                if await sessions.send(event, to: id, ownerID: owner) == .overflow {
                    logger.warning("SSE session \(id) closed: its client left more than \(configuration.limits.maxQueuedBytes) bytes unread (--max-queued-bytes)")
                }
            }
            await sessions.endRequest(on: id)
        }
        return .plain(.accepted, "Accepted")
    }
}
