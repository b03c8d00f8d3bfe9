import Foundation

/// A JSON value that keeps what CMDBsyncer documents need kept: the key order of objects
/// (exports read like the originals), the difference between integers and doubles
/// (`sort_field: 1` stays `1`), and every field we do not model.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// Integers, and doubles without a fraction (JSON from other tools may write `3.0`).
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int64(d)
        default: return nil
        }
    }

    /// A short name of the JSON type, for error messages ("expected an object, got array").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

/// A JSON object with insertion-ordered keys.
///
/// Entries live in one array; most documents have a handful to a few dozen keys, where a
/// linear scan beats hashing every key (hashing showed up as a tenth of `list_hosts`).
/// Objects that grow past `indexThreshold` keys also get a dictionary index.
public struct JSONObject: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    private var entries: [(key: String, value: JSONValue)] = []
    private var index: [String: Int]?
    static let indexThreshold = 24

    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (k, v) in elements { self[k] = v }
    }

    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return entries.firstIndex { $0.key == key }
    }

    private mutating func rebuildIndex() {
        guard entries.count > Self.indexThreshold else { index = nil; return }
        var built = [String: Int](minimumCapacity: entries.count)
        for (i, entry) in entries.enumerated() { built[entry.key] = i }
        index = built
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let at = position(of: key) {
                if let newValue {
                    entries[at].value = newValue
                } else {
                    entries.remove(at: at)
                    rebuildIndex()
                }
            } else if let newValue {
                entries.append((key, newValue))
                if index != nil {
                    index![key] = entries.count - 1
                } else if entries.count > Self.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    /// Appends `key` unless the object has it already; false (and no change) if it does.
    /// The parser uses it to refuse duplicate keys: which of two values "wins" is not
    /// defined by RFC 8259, and letting the last one win silently lets data that is
    /// spliced into a document (an autorule template) override fields set before it.
    public mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        if position(of: key) != nil { return false }
        entries.append((key, value))
        if index != nil {
            index![key] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            rebuildIndex()
        }
        return true
    }

    /// Sets a key and moves it to the front (exports put `_id` first, as mongoengine does).
    public mutating func setFirst(_ key: String, _ value: JSONValue) {
        if let at = position(of: key) { entries.remove(at: at) }
        entries.insert((key, value), at: 0)
        rebuildIndex()
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        entries.makeIterator()
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}

public extension JSONValue {
    /// Optional strings map to `null`, so result shapes can say `"last_seen": null`.
    static func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    static func int(_ i: Int) -> JSONValue { .int(Int64(i)) }
    static func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }
}

/// Anything with a JSON form: results of operations, so the MCP server, `--json` output and
/// tests all see the same shape.
public protocol JSONRepresentable {
    var json: JSONValue { get }
}

extension JSONValue: JSONRepresentable { public var json: JSONValue { self } }
extension JSONObject: JSONRepresentable { public var json: JSONValue { .object(self) } }
