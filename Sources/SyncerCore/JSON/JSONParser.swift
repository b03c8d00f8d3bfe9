import Foundation

/// Why a text is not JSON, with the byte offset so a person can find the spot in a bundle.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes. An object with the same key twice is an
/// error, never "last one wins" (see `JSONObject.insertNew`).
///
/// Written by hand rather than with Foundation's `JSONSerialization` because we need key
/// order, the integer/double distinction, a nesting limit (hostile input must not overflow
/// the stack) and a pull interface: the bundle importer walks a 100k-host file one
/// document at a time instead of building the whole tree.
public struct JSONReader {
    public static let maxDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var position = 0
    private var depth = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Parses one complete JSON text.
    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            try parse(raw.bindMemory(to: UInt8.self))
        }
    }

    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse($0) }
    }

    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var reader = JSONReader(buffer)
        let value = try reader.readValue()
        try reader.expectEnd()
        return value
    }

    // MARK: Pull interface

    public mutating func expectEnd() throws {
        skipWhitespace()
        if position < bytes.count { throw error("unexpected data after the JSON value") }
    }

    /// The type of the next value without consuming it.
    public mutating func peekKind() throws -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input") }
        return bytes[position]
    }

    public mutating func beginObject() throws {
        skipWhitespace()
        try expect(UInt8(ascii: "{"), "expected an object")
        try enter()
        first = true
    }

    /// The next key of the current object, or nil at its closing brace.
    public mutating func nextKey() throws -> String? {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input in an object") }
        if bytes[position] == UInt8(ascii: "}") {
            position += 1; depth -= 1; first = false
            return nil
        }
        if !first { try expect(UInt8(ascii: ","), "expected ',' or '}' in an object"); skipWhitespace() }
        first = false
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let key = try readString()
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "expected ':' after a key")
        return key
    }

    public mutating func beginArray() throws {
        skipWhitespace()
        try expect(UInt8(ascii: "["), "expected an array")
        try enter()
        first = true
    }

    /// True if another element follows in the current array; consumes the closing bracket.
    public mutating func nextElement() throws -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input in an array") }
        if bytes[position] == UInt8(ascii: "]") {
            position += 1; depth -= 1; first = false
            return false
        }
        if !first { try expect(UInt8(ascii: ","), "expected ',' or ']' in an array") }
        first = false
        return true
    }

    private var first = false

    // MARK: Values

    public mutating func readValue() throws -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            try beginObject()
            var object = JSONObject()
            while let key = try nextKey() {
                let keyOffset = position
                let saved = first
                guard object.insertNew(key, try readValue()) else {
                    throw JSONParseError(message: "duplicate key '\(key)' in an object", offset: keyOffset)
                }
                first = saved
            }
            first = false
            return .object(object)
        case UInt8(ascii: "["):
            try beginArray()
            var array: [JSONValue] = []
            while try nextElement() {
                let saved = first
                array.append(try readValue())
                first = saved
            }
            first = false
            return .array(array)
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"):
            try literal("true"); return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false"); return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try readNumber()
        default:
            throw error("unexpected character '\(Self.printable(bytes[position]))'")
        }
    }

    /// Skips one value without building it.
    public mutating func skipValue() throws { _ = try readValue() }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of input") }
        let start = position
        let ok = word.withUTF8Buffer { w in (0..<count).allSatisfy { bytes[start + $0] == w[$0] } }
        if !ok { throw error("invalid literal") }
        position += count
    }

    private mutating func readNumber() throws -> JSONValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw error("incomplete number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if isDigit(bytes[position]) {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        } else {
            throw error("invalid number")
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw error("number out of range") }
        return .double(d)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func readString() throws -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes, plain bytes. UTF-8 validity is checked when decoding.
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw JSONParseError(message: "invalid UTF-8 in a string", offset: start)
                }
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character in a string") }
            position += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let b = bytes[position]
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw JSONParseError(message: "invalid UTF-8 in a string", offset: start)
                }
                return s
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw error("unterminated escape") }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                            throw error("lone high surrogate")
                        }
                        position += 2
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("lone low surrogate")
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
                default:
                    throw error("invalid escape '\\\(Self.printable(e))'")
                }
            default:
                if b < 0x20 { throw error("control character in a string") }
                out.append(b)
                position += 1
            }
        }
        throw JSONParseError(message: "unterminated string", offset: start - 1)
    }

    private mutating func readHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws {
        guard position < bytes.count, bytes[position] == byte else { throw error(message) }
        position += 1
    }

    private func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: position) }

    private static func printable(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? String(UnicodeScalar(b)) : String(format: "0x%02X", b)
    }
}
