import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Open legacy SSE sessions (`GET /sse`). Each session belongs to the user who opened it;
/// replies to its `POST /messages/` go out on its stream. Handles are random and never
/// authenticate anything by themselves.
actor SSESessionRegistry {
    struct Session {
        let ownerID: String
        let continuation: AsyncStream<ByteBuffer>.Continuation
    }

    private var sessions: [String: Session] = [:]
    private var closed = false
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { sessions.count }

    /// Opens a session for `ownerID`; nil when full or shutting down.
    func open(ownerID: String) -> (id: String, events: AsyncStream<ByteBuffer>)? {
        guard !closed, sessions.count < capacity else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        sessions[id] = Session(ownerID: ownerID, continuation: continuation)
        return (id, stream)
    }

    /// Queues an event on a session owned by `ownerID`; false if there is no such session.
    func send(_ event: ByteBuffer, to id: String, ownerID: String) -> Bool {
        guard let session = sessions[id], session.ownerID == ownerID else { return false }
        session.continuation.yield(event)
        return true
    }

    func exists(_ id: String, ownerID: String) -> Bool { sessions[id]?.ownerID == ownerID }

    func close(_ id: String) {
        sessions.removeValue(forKey: id)?.continuation.finish()
    }

    /// Ends every stream (graceful shutdown): their responses finish, so the server can stop.
    func closeAll() {
        closed = true
        for session in sessions.values { session.continuation.finish() }
        sessions.removeAll()
    }
}

enum ServerSentEvent {
    static func event(_ name: String, _ data: String) -> ByteBuffer {
        // One `data:` line per line of payload, as the SSE format requires.
        let lines = data.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)" }.joined(separator: "\n")
        return ByteBuffer(string: "event: \(name)\n\(lines)\n\n")
    }

    static let keepAlive = ByteBuffer(string: ": ping\n\n")
}
