import Foundation
import SyncerCore

/// JSON-RPC 2.0 as MCP uses it: one message per object, ids are strings or integers,
/// no batches (removed in the 2025-06-18 revision).
public enum JSONRPC {
    public static let version = "2.0"

    /// The error codes we answer with.
    public enum Code {
        public static let parseError: Int64 = -32700
        public static let invalidRequest: Int64 = -32600
        public static let methodNotFound: Int64 = -32601
        public static let invalidParams: Int64 = -32602
        public static let internalError: Int64 = -32603
        /// MCP's "resource not found" (2024-11-05 … 2025-11-25).
        public static let resourceNotFound: Int64 = -32002
    }

    /// A successful response.
    public static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": .string(version), "id": id, "result": result])
    }

    /// An error response; `id` is `null` when the request's id could not be read.
    public static func error(id: JSONValue, _ error: RPCError) -> JSONValue {
        var body: JSONObject = ["code": .int(error.code), "message": .string(error.message)]
        if let data = error.data { body["data"] = data }
        return .object(["jsonrpc": .string(version), "id": id, "error": .object(body)])
    }

    /// Serialises one message as a single line (compact JSON never contains a raw newline).
    public static func encode(_ message: JSONValue) -> Data {
        JSONWriter().data(message)
    }
}

/// An error a method handler answers with instead of a result.
public struct RPCError: Error, Equatable, Sendable {
    public var code: Int64
    public var message: String
    public var data: JSONValue?

    public init(code: Int64, message: String, data: JSONValue? = nil) {
        self.code = code; self.message = message; self.data = data
    }

    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: JSONRPC.Code.parseError, message: "Parse error: \(detail)")
    }

    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: JSONRPC.Code.invalidRequest, message: "Invalid request: \(detail)")
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: JSONRPC.Code.methodNotFound, message: "Method not found: \(method)")
    }

    public static func invalidParams(_ detail: String) -> RPCError {
        RPCError(code: JSONRPC.Code.invalidParams, message: "Invalid params: \(detail)")
    }

    public static func internalError(_ detail: String) -> RPCError {
        RPCError(code: JSONRPC.Code.internalError, message: "Internal error: \(detail)")
    }

    public static func resourceNotFound(_ uri: String, _ detail: String) -> RPCError {
        RPCError(code: JSONRPC.Code.resourceNotFound, message: "Resource not found: \(detail)",
                 data: .object(["uri": .string(uri)]))
    }
}

/// One decoded incoming message.
enum IncomingMessage {
    /// A request: it gets exactly one reply.
    case request(id: JSONValue, method: String, params: JSONObject?)
    /// A notification: it never gets a reply.
    case notification(method: String, params: JSONObject?)
    /// A response to a request of ours (we send none): ignored.
    case response
    /// Not a valid message; the reply is an error with this id (`null` when unknown).
    case invalid(id: JSONValue, RPCError)

    /// Classifies a parsed JSON value, following JSON-RPC 2.0 and MCP's rules on ids.
    static func classify(_ value: JSONValue) -> IncomingMessage {
        guard case .object(let object) = value else {
            if case .array = value {
                return .invalid(id: .null, .invalidRequest("batches (JSON arrays) are not supported; send one message per line"))
            }
            return .invalid(id: .null, .invalidRequest("a message must be a JSON object, got \(value.typeName)"))
        }
        // A usable id: a string or an integer. MCP forbids null ids.
        var id: JSONValue?
        switch object["id"] {
        case nil: id = nil
        case .string?: id = object["id"]
        case .int?: id = object["id"]
        case .double(let d)? where d.rounded() == d && abs(d) < 9e15: id = .int(Int64(d))
        default:
            return .invalid(id: .null, .invalidRequest("'id' must be a string or an integer"))
        }
        guard object["jsonrpc"]?.stringValue == JSONRPC.version else {
            let what = object["jsonrpc"] == nil ? "'jsonrpc' is missing" : "'jsonrpc' must be \"2.0\""
            return .invalid(id: id ?? .null, .invalidRequest("not a JSON-RPC 2.0 message: \(what)"))
        }
        guard let methodValue = object["method"] else {
            if id != nil, object["result"] != nil || object["error"] != nil { return .response }
            return .invalid(id: id ?? .null, .invalidRequest("'method' is missing"))
        }
        guard let method = methodValue.stringValue else {
            return .invalid(id: id ?? .null, .invalidRequest("'method' must be a string"))
        }
        var params: JSONObject?
        switch object["params"] {
        case nil, .null?: params = nil
        case .object(let p)?: params = p
        default:
            guard let id else { return .notification(method: method, params: nil) }
            return .invalid(id: id, .invalidParams("'params' must be an object"))
        }
        if let id { return .request(id: id, method: method, params: params) }
        return .notification(method: method, params: params)
    }
}
