import Foundation
import MCPServer
import SyncerCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The stdio transport over real pipes: one reply line per request, EOF drains every
/// in-flight request, oversized lines are refused without losing the session.
@Suite struct StdioTransportTests {
    /// Writes `input` to the transport's stdin, closes it, and returns stdout's lines.
    func session(_ input: [UInt8], maxLineBytes: Int = 1 << 20) async throws -> [String] {
        let f = try Fixture(hosts: 5)
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0]
        #expect(pipe(&inPipe) == 0 && pipe(&outPipe) == 0)
        let (inRead, inWrite, outRead, outWrite) = (inPipe[0], inPipe[1], outPipe[0], outPipe[1])
        let transport = StdioTransport(server: f.server, principal: Fixture.mcp, maxLineBytes: maxLineBytes,
                                       input: inRead, output: outWrite)
        // Feed and collect on threads of their own so large inputs cannot deadlock the pipes.
        let writer = Thread {
            input.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(inWrite, raw.baseAddress! + off, raw.count - off)
                    if n <= 0 { break }
                    off += n
                }
            }
            close(inWrite)
        }
        writer.start()
        let collected = Collected()
        let reader = Thread {
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(outRead, &buf, buf.count)
                if n <= 0 { break }
                collected.append(buf[0..<n])
            }
            collected.done.signal()
        }
        reader.start()
        await transport.run()
        close(outWrite)
        collected.done.wait()
        close(inRead); close(outRead)
        let text = String(decoding: collected.bytes, as: UTF8.self)
        #expect(text.isEmpty || text.hasSuffix("\n"))
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    final class Collected: @unchecked Sendable {
        var bytes: [UInt8] = []
        let done = DispatchSemaphore(value: 0)
        let lock = NSLock()
        func append(_ b: ArraySlice<UInt8>) { lock.lock(); bytes += b; lock.unlock() }
    }

    @Test func everyRequestIsAnsweredBeforeExit() async throws {
        var input = ""
        for i in 0..<200 {
            input += "{\"jsonrpc\":\"2.0\",\"id\":\(i),\"method\":\"tools/call\",\"params\":{\"name\":\"list_hosts\",\"arguments\":{\"limit\":5}}}\n"
        }
        input += "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n\n   \n"
        input += "{\"jsonrpc\":\"2.0\",\"id\":\"last\",\"method\":\"ping\"}"  // no trailing newline
        let lines = try await session(Array(input.utf8))
        #expect(lines.count == 201)
        var ids = Set<String>()
        for line in lines {
            let reply = try JSONReader.parse(line)
            #expect(reply["result"] != nil)
            ids.insert(reply["id"]!.compactText)
        }
        #expect(ids.count == 201 && ids.contains("\"last\""))
    }

    @Test func oversizedGarbageAndInvalidUTF8DoNotEndTheSession() async throws {
        var input: [UInt8] = []
        input += Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n".utf8)  // CRLF tolerated
        input += Array("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"pad\":\"".utf8)
        input += [UInt8](repeating: UInt8(ascii: "a"), count: 3 << 20)  // 3 MiB > the 1 MiB limit
        input += Array("\"}\n".utf8)
        input += [0xFF, 0xC0, 0x80, 0x0A]
        input += Array("\u{1}\u{2}garbage\n".utf8)
        input += Array("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n".utf8)
        let lines = try await session(input)
        let replies = try lines.map { try JSONReader.parse($0) }
        // Requests run concurrently, so replies may come in any order.
        #expect(replies.count == 5)
        let answered = replies.filter { $0["result"] == [:] }.compactMap { $0["id"]?.intValue }
        #expect(Set(answered) == [1, 3])
        let errors = replies.filter { $0["error"] != nil }
        #expect(errors.allSatisfy { $0["id"] == .null })
        #expect(errors.compactMap(\.errorCode).sorted() == [-32700, -32700, -32600])
    }
}
