import Foundation
import Logging
import SyncerCore

/// The transport-free MCP core: one incoming message in, at most one reply out.
///
/// Transports (stdio now, HTTP later) only move bytes; everything the protocol says is
/// decided here. The core keeps no per-session state, so one instance serves any number
/// of sessions and concurrent requests; the acting user travels with each message.
public final class MCPServer: @unchecked Sendable {
    /// Handshake versions we speak, newest first.
    public static let supportedProtocolVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    public static var latestProtocolVersion: String { supportedProtocolVersions[0] }

    public static let serverName = "cmdbsyncer-mcp"
    public static let serverVersion = "0.1.0"

    public struct Options: Sendable {
        /// Leave every write tool out: not listed, and calling one is an unknown tool.
        public var readOnly: Bool
        public init(readOnly: Bool = false) { self.readOnly = readOnly }
    }

    public let syncer: Syncer
    public let options: Options
    /// The offered tools in `tools/list` order.
    public let tools: [Tool]
    private let toolsByName: [String: Tool]
    private let toolListResult: JSONValue
    /// What a read-only user gets: `tools` without the write tools. Both lists are built
    /// once; the principal of each request picks one.
    private let readOnlyToolListResult: JSONValue

    /// JSON-RPC error code of a request refused because the session's credential stopped
    /// being valid (user disabled, role or token revoked, token expired); in the
    /// implementation-defined server range. The process keeps answering.
    public static let sessionRevokedCode: Int64 = -32001
    private let logger = Logger(label: "cmdbsyncer.mcp")

    public init(syncer: Syncer, options: Options = Options()) {
        self.syncer = syncer
        self.options = options
        tools = ToolTable.tools(readOnly: options.readOnly)
        toolsByName = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) })
        toolListResult = .object(["tools": .array(tools.map(\.descriptor))])
        readOnlyToolListResult = .object(["tools": .array(tools.filter { !$0.isWrite }.map(\.descriptor))])
    }

    /// The reply to a message whose sender may no longer act: requests get
    /// `sessionRevokedCode` with `reason`; notifications and responses get nothing.
    public func refuse(_ data: Data, reason: String) -> Data? {
        guard let parsed = try? JSONReader.parse(data) else {
            return JSONRPC.encode(JSONRPC.error(id: .null, .parseError("invalid JSON")))
        }
        switch IncomingMessage.classify(parsed) {
        case .response, .notification: return nil
        case .invalid(let id, let error): return JSONRPC.encode(JSONRPC.error(id: id, error))
        case .request(let id, _, _):
            return JSONRPC.encode(JSONRPC.error(id: id, RPCError(code: Self.sessionRevokedCode, message: reason)))
        }
    }

    // MARK: Entry points

    /// Handles one raw message (one stdio line or one HTTP body). Returns the encoded
    /// reply, or nil when the message gets none (notifications, responses).
    public func handle(_ data: Data, as principal: Principal) async -> Data? {
        let parsed: JSONValue
        do {
            parsed = try JSONReader.parse(data)
        } catch {
            return JSONRPC.encode(JSONRPC.error(id: .null, .parseError("\(error)")))
        }
        return await handle(message: parsed, as: principal).map(JSONRPC.encode)
    }

    /// Handles one parsed message.
    public func handle(message: JSONValue, as principal: Principal) async -> JSONValue? {
        switch IncomingMessage.classify(message) {
        case .response:
            return nil
        case .notification(let method, _):
            logger.trace("notification \(method)")
            return nil
        case .invalid(let id, let error):
            return JSONRPC.error(id: id, error)
        case .request(let id, let method, let params):
            do {
                return JSONRPC.result(id: id, try await dispatch(method, params ?? JSONObject(), principal))
            } catch let error as RPCError {
                return JSONRPC.error(id: id, error)
            } catch {
                logger.error("\(method) failed: \(error)")
                return JSONRPC.error(id: id, .internalError("\(error)"))
            }
        }
    }

    // MARK: Methods

    private func dispatch(_ method: String, _ params: JSONObject, _ principal: Principal) async throws -> JSONValue {
        switch method {
        case "initialize": return try initialize(params)
        case "ping": return .object([:])
        case "tools/list":
            try rejectCursor(params)
            return principal.readonly ? readOnlyToolListResult : toolListResult
        case "tools/call": return try await callTool(params, principal)
        case "resources/list":
            try rejectCursor(params)
            return Resources.list
        case "resources/templates/list":
            try rejectCursor(params)
            return Resources.templates
        case "resources/read":
            guard let uri = params["uri"]?.stringValue else { throw RPCError.invalidParams("'uri' must be a string") }
            return try await blocking {
                do { return try Resources.read(uri, syncer: self.syncer, principal: principal) } catch let error as SyncerError {
                    throw RPCError.internalError(error.description)
                }
            }
        case "completion/complete":
            return try await blocking {
                do { return try Resources.complete(params, syncer: self.syncer, principal: principal) } catch let error as SyncerError {
                    throw RPCError.internalError(error.description)
                }
            }
        default:
            throw RPCError.methodNotFound(method)
        }
    }

    /// Everything fits one page; a cursor can only come from somewhere else.
    private func rejectCursor(_ params: JSONObject) throws {
        if let cursor = params["cursor"], !cursor.isNull {
            throw RPCError.invalidParams("invalid cursor: this list has a single page")
        }
    }

    private func initialize(_ params: JSONObject) throws -> JSONValue {
        guard let requested = params["protocolVersion"]?.stringValue else {
            throw RPCError.invalidParams("'protocolVersion' must be a string")
        }
        let version = Self.supportedProtocolVersions.contains(requested) ? requested : Self.latestProtocolVersion
        return .object([
            "protocolVersion": .string(version),
            "capabilities": .object([
                "tools": .object(["listChanged": false]),
                "resources": .object(["subscribe": false, "listChanged": false]),
                "completions": .object([:]),
            ]),
            "serverInfo": .object([
                "name": .string(Self.serverName), "title": "CMDBsyncer", "version": .string(Self.serverVersion),
            ]),
            "instructions": .string(instructions),
        ])
    }

    private var instructions: String {
        var text = """
            Reads and changes the state of a CMDB syncer: hosts and their labels and inventory, import \
            accounts, rules of every CMDBsyncer rule type (export and import in bundle form), cron groups, \
            logs and host statistics. Hostnames, account and rule-type names are exact. Every write is \
            logged with the acting user.
            """
        if options.readOnly { text += " This server is read-only: write tools are not offered." }
        return text
    }

    // MARK: tools/call

    private func callTool(_ params: JSONObject, _ principal: Principal) async throws -> JSONValue {
        guard let name = params["name"]?.stringValue else { throw RPCError.invalidParams("'name' must be a string") }
        guard let tool = toolsByName[name], !(tool.isWrite && principal.readonly) else {
            if principal.readonly, ToolTable.all.contains(where: { $0.name == name && $0.isWrite }) {
                throw RPCError.invalidParams("Unknown tool: \(name) (write tools are not offered to the read-only user '\(principal.name)')")
            }
            if options.readOnly, ToolTable.all.contains(where: { $0.name == name }) {
                throw RPCError.invalidParams("Unknown tool: \(name) (write tools are disabled: the server runs read-only)")
            }
            throw RPCError.invalidParams("Unknown tool: \(name)")
        }
        let raw: JSONObject
        switch params["arguments"] {
        case nil, .null?: raw = JSONObject()
        case .object(let o)?: raw = o
        case let other?: throw RPCError.invalidParams("'arguments' must be an object, got \(other.typeName)")
        }
        let call = ToolCall(arguments: try ToolArguments(raw, tool: tool), syncer: syncer, principal: principal)
        return try await blocking {
            do {
                let value = try tool.handler(call).json
                return .object([
                    "content": [.object(["type": "text", "text": .string(value.compactText)])],
                    "structuredContent": value,
                    "isError": false,
                ])
            } catch let error as SyncerError {
                return Self.toolError(error.description)
            } catch {
                self.logger.error("tool \(name) failed: \(error)")
                return Self.toolError("\(name) failed: \(error)")
            }
        }
    }

    /// A tool's own failure: a result the model can read and act on, not a protocol error.
    static func toolError(_ message: String) -> JSONValue {
        .object(["content": [.object(["type": "text", "text": .string(message)])], "isError": true])
    }

    /// Runs store work off the cooperative pool: SQLite calls block, and with two cores a
    /// few slow queries would otherwise stall every other request.
    private func blocking<T>(_ body: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result(catching: body))
            }
        }
    }
}
