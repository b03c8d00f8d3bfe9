import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SyncerCore

/// Per-request state: the peer's address (for the HTTPS rule and failure limits) and,
/// once authenticated, the user the request acts as. Nothing outlives the request.
struct MCPRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection: its peer address, and an SSE session ends the moment it closes.
    let channel: any Channel
    var principal: Principal?
    var userID: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The peer's IP address as text ("127.0.0.1", "::1").
    var peerAddress: String { channel.remoteAddress?.ipAddress ?? "unknown" }
}

extension Response {
    /// Every authentication refusal: 401 with the Basic challenge.
    static func unauthorized(_ message: String) -> Response {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Basic realm=\"cmdbsyncer\""
        return plain(.unauthorized, message, headers: headers)
    }

    static func plain(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = HTTPFields()) -> Response {
        var headers = headers
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    static func json(_ status: HTTPResponse.Status, _ data: Data, headers: HTTPFields = HTTPFields()) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
