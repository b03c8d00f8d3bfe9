import Foundation

/// Serialises `JSONValue` as compact or indented UTF-8 JSON. Keys keep their order.
/// Non-ASCII text is written as UTF-8, not `\u` escapes, like Python's `ensure_ascii=False`;
/// U+2028/2029 are escaped so the output is also safe inside JavaScript.
public struct JSONWriter {
    public var indent: Int?
    public var sortKeys = false
    /// Also writes C1 controls (U+0080–U+009F) and bidi controls as `\uXXXX`, for JSON a
    /// terminal shows (CLI `--json`): still the same JSON value, but no ESC-free CSI
    /// (U+009B) or U+202E reaches the screen. Off for MCP, whose bytes stay as they are.
    public var escapesTerminalControls = false

    public init(indent: Int? = nil, sortKeys: Bool = false, escapesTerminalControls: Bool = false) {
        self.indent = indent
        self.sortKeys = sortKeys
        self.escapesTerminalControls = escapesTerminalControls
    }

    public func string(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    public func data(_ value: JSONValue) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, level: 0)
        return Data(out)
    }

    public func write(_ value: JSONValue, into out: inout [UInt8], level: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: Self.format(d).utf8)
        case .string(let s): Self.writeString(s, into: &out, terminalSafe: escapesTerminalControls)
        case .array(let a):
            if a.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, level + 1)
                write(element, into: &out, level: level + 1)
            }
            newline(&out, level)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            let keys = sortKeys ? o.keys.sorted() : o.keys
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, level + 1)
                Self.writeString(key, into: &out, terminalSafe: escapesTerminalControls)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                write(o[key]!, into: &out, level: level + 1)
            }
            newline(&out, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private func newline(_ out: inout [UInt8], _ level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d.rounded() == d, abs(d) < 1e16 { return String(format: "%.1f", d) }
        return "\(d)"
    }

    /// Works on UTF-8 bytes and copies runs that need no escaping in one go: this runs
    /// for every key and string of every document a call returns.
    static func writeString(_ s: String, into out: inout [UInt8], terminalSafe: Bool = false) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                let escape: [UInt8]?
                var length = 1
                switch b {
                case 0x22: escape = [0x5C, 0x22]
                case 0x5C: escape = [0x5C, 0x5C]
                case 0x0A: escape = [0x5C, UInt8(ascii: "n")]
                case 0x0D: escape = [0x5C, UInt8(ascii: "r")]
                case 0x09: escape = [0x5C, UInt8(ascii: "t")]
                case 0x00..<0x20, 0x7F:
                    escape = Array("\\u00".utf8) + [hexDigits[Int(b >> 4)], hexDigits[Int(b & 0x0F)]]
                case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                    // U+2028 / U+2029: valid JSON, but line breaks inside JavaScript.
                    escape = Array((bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                    length = 3
                case 0xC2 where terminalSafe, 0xD8 where terminalSafe, 0xE2 where terminalSafe:
                    // Only these lead bytes start C1 (C2 80–9F), U+061C (D8 9C) or the bidi
                    // controls (E2 80 8E–AE, E2 81 A6–A9): decode just those.
                    length = b == 0xC2 || b == 0xD8 ? 2 : 3
                    guard i + length <= bytes.count else { escape = nil; break }
                    let value = b == 0xE2
                        ? 0x2000 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                        : UInt32(b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                    escape = TerminalText.isControl(value) ? unicodeEscape(value) : nil
                default:
                    escape = nil
                }
                guard let escape else { i += 1; continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                out.append(contentsOf: escape)
                i += length
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func unicodeEscape(_ value: UInt32) -> [UInt8] {
        Array("\\u".utf8) + (0..<4).reversed().map { hexDigits[Int(value >> (4 * UInt32($0)) & 0xF)] }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

public extension JSONValue {
    /// Compact JSON text: the storage and wire form.
    var compactText: String { JSONWriter().string(self) }
    /// Two-space indented JSON text: files and `--json` output people read.
    var prettyText: String { JSONWriter(indent: 2).string(self) }
    /// `prettyText` with C1 and bidi controls written as `\uXXXX`: JSON for a terminal.
    var terminalText: String { JSONWriter(indent: 2, escapesTerminalControls: true).string(self) }
}
