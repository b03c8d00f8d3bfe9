import Foundation
import Logging
import Testing
import SyncerCore

@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("a\u{1b}[31mred", "a\\x1b[31mred"),       // ESC
        ("bell\u{07}", "bell\\x07"),                 // BEL
        ("nul\u{0}", "nul\\x00"),
        ("two\nlines", "two\\nlines"),               // newline in a single-line field
        ("tab\there", "tab\\there"),
        ("cr\rlf", "cr\\rlf"),
        ("crlf\r\n", "crlf\\r\\n"),                  // one grapheme cluster, two escapes
        ("del\u{7f}", "del\\x7f"),
        ("us\u{1f}", "us\\x1f"),
    ])
    func escapesC0AndDEL(_ input: String, _ expected: String) {
        #expect(TerminalText.escaped(input) == expected)
    }

    @Test(arguments: [
        ("csi\u{9b}2J", "csi\\u{9b}2J"),             // C1 CSI: clears the screen on some terminals
        ("pad\u{80}", "pad\\u{80}"),
        ("nel\u{85}", "nel\\u{85}"),
        ("apc\u{9f}", "apc\\u{9f}"),
    ])
    func escapesC1(_ input: String, _ expected: String) {
        #expect(TerminalText.escaped(input) == expected)
    }

    @Test(arguments: [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C] as [UInt32])
    func escapesBidiControls(_ value: UInt32) {
        let text = "a" + String(UnicodeScalar(value)!) + "b"
        #expect(TerminalText.escaped(text) == "a\\u{\(String(value, radix: 16))}b")
        #expect(TerminalText.isControl(value))
    }

    @Test(arguments: [
        "plain ascii", "Müller ✓ 東京", "emoji 👩‍👩‍👧 🇩🇪 ❤️", "é combining e\u{301}", "nbsp\u{a0}¡", "back\\slash \\x1b",
        "zwj\u{200d}zwnj\u{200c}", "line sep\u{2028}", "arabic \u{0627}\u{0644}", "dash – ‘quotes’ …", "",
    ])
    func leavesOtherTextAlone(_ text: String) {
        #expect(TerminalText.escaped(text) == text)
    }

    @Test func isIdempotentAndMixesClasses() {
        let once = TerminalText.escaped("x\u{1b}]0;title\u{07}\u{202e}txt.exe\u{9b}")
        #expect(once == "x\\x1b]0;title\\x07\\u{202e}txt.exe\\u{9b}")
        #expect(TerminalText.escaped(once) == once)
        #expect(!once.unicodeScalars.contains { TerminalText.isControl($0.value) })
    }

    @Test func escapesEveryControlScalarAndNothingElseInTheFirstPlanes() {
        for value in UInt32(0)..<0x3000 {
            guard let scalar = UnicodeScalar(value) else { continue }
            let escaped = TerminalText.escaped("<" + String(scalar) + ">")
            if TerminalText.isControl(value) {
                #expect(escaped != "<" + String(scalar) + ">", "U+\(String(value, radix: 16))")
                #expect(escaped.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F })
            } else {
                #expect(escaped == "<" + String(scalar) + ">", "U+\(String(value, radix: 16))")
            }
        }
    }

    @Test func terminalJSONEscapesC1AndBidiAndStaysTheSameValue() throws {
        let value: JSONValue = .object(["k\u{9b}": .string("a\u{1b}b\u{9b}c\u{202e}d\u{2066}é東\u{0085}\u{061c}")])
        let text = value.terminalText
        #expect(text.contains("\\u009b") && text.contains("\\u202e") && text.contains("\\u2066") && text.contains("\\u001b"))
        #expect(text.contains("\\u0085") && text.contains("\\u061c") && text.contains("é東"))
        #expect(!text.unicodeScalars.contains { TerminalText.isControl($0.value) && $0 != "\n" })
        #expect(try JSONReader.parse(text) == value)
        // The default writer (MCP results, stored documents) keeps its bytes.
        #expect(value.prettyText.contains("\u{9b}") && value.prettyText.contains("\u{202e}"))
        #expect(JSONValue.string("\u{2028}").compactText == "\"\\u2028\"")
    }
}

@Suite struct EscapingLogHandlerTests {
    /// Captures what the wrapped handler is asked to log.
    final class Sink: @unchecked Sendable {  // safe: every access to `_events` holds `lock`
        private let lock = NSLock()
        private var _events: [LogEvent] = []
        var events: [LogEvent] { lock.withLock { _events } }
        func add(_ e: LogEvent) { lock.withLock { _events.append(e) } }
    }

    struct Recording: LogHandler {
        let sink: Sink
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { sink.add(event) }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    @Test func escapesMessageMetadataAndErrors() throws {
        let sink = Sink()
        var logger = Logger(label: "t") { _ in EscapingLogHandler(Recording(sink: sink)) }
        logger[metadataKey: "login\n"] = "x\u{1b}[2J"
        logger.notice("refused login 'x\n[info] accepted login admin\u{1b}[0m'",
                      metadata: ["peer": "1.2.3.4\u{202e}", "list": .array(["a\nb"]), "dict": .dictionary(["k": "v\u{9b}"])])
        logger.error("failed", error: Failure(description: "bad\nline"))
        let events = sink.events
        #expect(events.count == 2)
        #expect(events[0].message.description == "refused login 'x\\n[info] accepted login admin\\x1b[0m'")
        let metadata = try #require(events[0].metadata)
        #expect(metadata["peer"] == .string("1.2.3.4\\u{202e}"))
        #expect(metadata["list"] == .array([.string("a\\nb")]))
        #expect(metadata["dict"] == .dictionary(["k": .string("v\\u{9b}")]))
        #expect(logger.handler.metadata["login\\n"] == .string("x\\x1b[2J"))
        #expect(events[1].error == nil)
        #expect(events[1].metadata?["error.message"] == .string("bad\\nline"))
    }
}
