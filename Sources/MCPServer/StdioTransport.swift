import Foundation
import SyncerCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// MCP over stdio: newline-delimited JSON-RPC on stdin and stdout.
///
/// A dedicated thread blocks on `read(2)` and hands complete lines to the async side, so
/// there is no polling and no idle CPU. Every request runs as its own task (a slow tool
/// does not hold up a ping). Each reply is written whole, as one line, under a lock. On
/// EOF the transport stops reading but waits until every request it read is answered.
///
/// At most `maxInFlight` requests are in progress; the reader waits for a free slot
/// before it takes the next line. A client that never reads its replies therefore stalls
/// on its own full pipe, and we hold at most `maxInFlight` replies for it, not one per
/// line it managed to send.
public final class StdioTransport: @unchecked Sendable {
    /// Who the next request acts as, asked before every request: the user as stored now,
    /// or why the session may no longer act (the request then gets
    /// `MCPServer.sessionRevokedCode` and the transport goes on reading).
    public typealias Authorizer = @Sendable () -> Result<Principal, SyncerError>

    public let server: MCPServer
    public let authorize: Authorizer
    /// Longer lines are discarded unread and answered with -32600.
    public let maxLineBytes: Int
    public let maxInFlight: Int
    private let input: Int32
    private let writer: LineWriter

    /// A session whose principal never changes (tests, embedding).
    public convenience init(server: MCPServer, principal: Principal, maxLineBytes: Int = 16 << 20, maxInFlight: Int = 64,
                            input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.init(server: server, authorize: { .success(principal) }, maxLineBytes: maxLineBytes, maxInFlight: maxInFlight,
                  input: input, output: output)
    }

    public init(server: MCPServer, authorize: @escaping Authorizer, maxLineBytes: Int = 16 << 20, maxInFlight: Int = 64,
                input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.server = server
        self.authorize = authorize
        self.maxLineBytes = max(1024, maxLineBytes)
        self.maxInFlight = max(1, maxInFlight)
        self.input = input
        self.writer = LineWriter(fd: output)
    }

    /// Serves until stdin closes and every request read so far has been answered.
    public func run() async {
        // A client that goes away must not kill us mid-write: EPIPE is handled instead.
        signal(SIGPIPE, SIG_IGN)
        let slots = DispatchSemaphore(value: maxInFlight)
        let lines = LineReader.start(fd: input, maxLineBytes: maxLineBytes, slots: slots)
        await withDiscardingTaskGroup { group in
            for await event in lines {
                switch event {
                case .line(let data):
                    group.addTask { [server, authorize, writer] in
                        let reply: Data?
                        switch authorize() {
                        case .success(let principal): reply = await server.handle(data, as: principal)
                        case .failure(let error): reply = server.refuse(data, reason: error.description)
                        }
                        if let reply { writer.writeLine(reply) }
                        slots.signal()
                    }
                case .oversized:
                    let error = RPCError.invalidRequest("message larger than \(maxLineBytes) bytes; it was discarded unread")
                    writer.writeLine(JSONRPC.encode(JSONRPC.error(id: .null, error)))
                }
            }
        }
    }
}

/// Writes whole lines to a file descriptor, one reply at a time.
final class LineWriter: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var closed = false

    init(fd: Int32) { self.fd = fd }

    /// Writes `data` plus a newline with a single `write(2)` where the pipe allows it
    /// (a partial write is continued; nothing else is interleaved under the lock).
    func writeLine(_ data: Data) {
        var bytes = [UInt8](data)
        bytes.append(0x0A)
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0, errno == EINTR || errno == EAGAIN {
                    continue
                } else {
                    // The reader is gone (EPIPE): later replies have nowhere to go.
                    closed = true
                    return
                }
            }
        }
    }
}

/// Splits a file descriptor into lines on a thread of its own.
enum LineReader {
    enum Event: Sendable {
        case line(Data)
        /// A line longer than the limit was skipped.
        case oversized
    }

    /// Each `.line` takes one of `slots` before it is handed on; its handler gives it back.
    static func start(fd: Int32, maxLineBytes: Int, slots: DispatchSemaphore) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
        let thread = Thread {
            readLoop(fd: fd, maxLineBytes: maxLineBytes) { event in
                if case .line = event { slots.wait() }
                continuation.yield(event)
            }
            continuation.finish()
        }
        thread.name = "mcp-stdin"
        thread.start()
        return stream
    }

    /// Reads until EOF or a read error, calling `emit` for each non-blank line.
    static func readLoop(fd: Int32, maxLineBytes: Int, emit: (Event) -> Void) {
        let chunkSize = 64 * 1024
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }
        var line: [UInt8] = []
        var discarding = false

        func finishLine() {
            defer { line.removeAll(keepingCapacity: line.count <= 1 << 20) }
            if discarding { discarding = false; return }
            var end = line.count
            if end > 0, line[end - 1] == 0x0D { end -= 1 }  // tolerate CRLF
            // Blank lines carry no message.
            guard line[0..<end].contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            emit(.line(Data(line[0..<end])))
        }

        while true {
            let n = read(fd, chunk, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            if n == 0 { break }
            var start = 0
            while start < n {
                let rest = UnsafeRawPointer(chunk + start)
                if let hit = memchr(rest, 0x0A, n - start) {
                    let end = start + rest.distance(to: UnsafeRawPointer(hit))
                    if !discarding { line.append(contentsOf: UnsafeBufferPointer(start: chunk + start, count: end - start)) }
                    if !discarding, line.count > maxLineBytes { discarding = true; emit(.oversized) }
                    finishLine()
                    start = end + 1
                } else {
                    if !discarding {
                        line.append(contentsOf: UnsafeBufferPointer(start: chunk + start, count: n - start))
                        if line.count > maxLineBytes {
                            discarding = true
                            line.removeAll()
                            emit(.oversized)
                        }
                    }
                    start = n
                }
            }
        }
        // A last message without a trailing newline still counts.
        if !line.isEmpty || discarding { finishLine() }
    }
}
