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
        /// Bytes queued and not yet written to the client (every event has some).
        var queuedBytes = 0
        /// Messages posted whose replies have not been queued yet.
        var inFlight = 0
    }

    enum SendResult { case queued, noSession, overflow }
    enum OpenRefusal: Error { case full, ownerFull }

    private var sessions: [String: Session] = [:]
    /// Open sessions per owner, so one user cannot take every slot.
    private var perOwner: [String: Int] = [:]
    private var closed = false
    let capacity: Int
    let perOwnerCapacity: Int
    let maxQueuedBytes: Int
    let maxInFlight: Int

    init(capacity: Int, perOwnerCapacity: Int = 32, maxQueuedBytes: Int = 32 << 20, maxInFlight: Int = 64) {
        self.capacity = capacity
        self.perOwnerCapacity = perOwnerCapacity
        self.maxQueuedBytes = maxQueuedBytes
        self.maxInFlight = maxInFlight
    }

    var count: Int { sessions.count }

    /// Opens a session for `ownerID`; nil when full or shutting down.
    func open(ownerID: String) -> (id: String, events: AsyncStream<ByteBuffer>)? {
        try? openSession(ownerID: ownerID).get()
    }

    /// Opens a session for `ownerID`, or says which limit refused it.
    func openSession(ownerID: String) -> Result<(id: String, events: AsyncStream<ByteBuffer>), OpenRefusal> {
        guard !closed, sessions.count < capacity else { return .failure(.full) }
        guard perOwner[ownerID, default: 0] < perOwnerCapacity else { return .failure(.ownerFull) }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        // Unbounded here, bounded by `maxQueuedBytes` in `send`: dropping an event would
        // silently lose a reply, so a client that falls that far behind loses its session.
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .unbounded)
        sessions[id] = Session(ownerID: ownerID, continuation: continuation)
        perOwner[ownerID, default: 0] += 1
        return .success((id, stream))
    }

    /// Queues an event on a session owned by `ownerID`. A session whose client has not
    /// taken `maxQueuedBytes` is closed (one event of any size may always wait).
    @discardableResult
    func send(_ event: ByteBuffer, to id: String, ownerID: String) -> SendResult {
        guard var session = sessions[id], session.ownerID == ownerID else { return .noSession }
        if session.queuedBytes > 0, session.queuedBytes + event.readableBytes > maxQueuedBytes {
            close(id)
            return .overflow
        }
        session.queuedBytes += event.readableBytes
        sessions[id] = session
        session.continuation.yield(event)
        return .queued
    }

    /// The stream wrote an event to the client.
    func delivered(_ bytes: Int, on id: String) {
        guard var session = sessions[id] else { return }
        session.queuedBytes -= bytes
        sessions[id] = session
    }

    func exists(_ id: String, ownerID: String) -> Bool { sessions[id]?.ownerID == ownerID }

    /// Counts a posted message against the session's in-flight limit; false when at it.
    func beginRequest(on id: String) -> Bool {
        guard var session = sessions[id], session.inFlight < maxInFlight else { return false }
        session.inFlight += 1
        sessions[id] = session
        return true
    }

    func endRequest(on id: String) {
        guard var session = sessions[id] else { return }
        session.inFlight -= 1
        sessions[id] = session
    }

    func close(_ id: String) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.continuation.finish()
        let left = perOwner[session.ownerID, default: 1] - 1
        perOwner[session.ownerID] = left > 0 ? left : nil
    }

    func openSessions(ownerID: String) -> Int { perOwner[ownerID] ?? 0 }

    /// Ends every stream (graceful shutdown): their responses finish, so the server can stop.
    func closeAll() {
        closed = true
        for session in sessions.values { session.continuation.finish() }
        sessions.removeAll()
        perOwner.removeAll()
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
