import Foundation
import SyncerCore

/// The four behaviour hints of a tool. MCP's defaults are the pessimistic ones
/// (`readOnly=false, destructive=true, idempotent=false, openWorld=true`), so every tool
/// states all four; none of ours reaches outside the syncer's own database.
public struct ToolAnnotations: Equatable, Sendable {
    public var readOnly: Bool
    public var destructive: Bool
    public var idempotent: Bool
    public var openWorld: Bool = false

    /// A tool that only reads.
    public static let reader = ToolAnnotations(readOnly: true, destructive: false, idempotent: true)

    func json(title: String) -> JSONValue {
        .object([
            "title": .string(title), "readOnlyHint": .bool(readOnly), "destructiveHint": .bool(destructive),
            "idempotentHint": .bool(idempotent), "openWorldHint": .bool(openWorld),
        ])
    }
}

/// What a tool handler gets: its validated arguments, the store and who is acting.
public struct ToolCall {
    public let arguments: ToolArguments
    public let syncer: Syncer
    public let principal: Principal
}

/// One entry of the tool table: everything `tools/list` shows and what `tools/call` runs.
public struct Tool {
    public let name: String
    public let title: String
    public let description: String
    public let parameters: [ToolParameter]
    /// JSON Schema of `structuredContent` (always an object).
    public let outputSchema: JSONValue
    public let annotations: ToolAnnotations
    /// Write tools are left out of the table entirely in read-only mode.
    public let isWrite: Bool
    /// Runs on a blocking-friendly thread; a `SyncerError` becomes an `isError` result.
    let handler: (ToolCall) throws -> JSONRepresentable

    public var inputSchema: JSONValue { ToolParameter.schema(parameters) }

    /// The tool as `tools/list` describes it.
    public var descriptor: JSONValue {
        .object([
            "name": .string(name), "title": .string(title), "description": .string(description),
            "inputSchema": inputSchema, "outputSchema": outputSchema, "annotations": annotations.json(title: title),
        ])
    }
}

/// One named argument of a tool, with the JSON type the caller must send.
public struct ToolParameter {
    public enum Kind: String {
        case string, integer, boolean, object
    }

    public let name: String
    public let kind: Kind
    public let description: String
    /// Nil: the argument is required.
    public let defaultValue: JSONValue?
    /// Extra schema keywords (bounds, the schema of object members); documentation for
    /// clients. Values outside them are refused by the operation (an `isError` result).
    public let extra: JSONObject

    public init(_ name: String, _ kind: Kind, _ description: String, default defaultValue: JSONValue? = nil,
                extra: JSONObject = [:]) {
        self.name = name; self.kind = kind; self.description = description
        self.defaultValue = defaultValue; self.extra = extra
    }

    public var isRequired: Bool { defaultValue == nil }

    /// "rule_type" → "Rule Type", the titles CMDBsyncer's schemas carry.
    var title: String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    var schema: JSONValue {
        var o: JSONObject = ["type": .string(kind.rawValue), "title": .string(title), "description": .string(description)]
        if let defaultValue, !defaultValue.isNull { o["default"] = defaultValue }
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    /// The input schema of a tool: an object with exactly these properties.
    static func schema(_ parameters: [ToolParameter]) -> JSONValue {
        var o: JSONObject = [
            "type": "object",
            "properties": .object(JSONObject(parameters.map { ($0.name, $0.schema) })),
        ]
        let required = parameters.filter(\.isRequired).map(\.name)
        if !required.isEmpty { o["required"] = .strings(required) }
        o["additionalProperties"] = false
        return .object(o)
    }
}

/// A tool's arguments after validation: every declared argument is present (defaults
/// filled in) and has the declared JSON type.
public struct ToolArguments {
    private var values: [String: JSONValue]

    /// Checks `raw` against the parameters. A missing required argument, a wrong JSON type
    /// or an undeclared argument is a protocol error (-32602).
    init(_ raw: JSONObject, tool: Tool) throws {
        let declared = Dictionary(uniqueKeysWithValues: tool.parameters.map { ($0.name, $0) })
        for (key, _) in raw where declared[key] == nil {
            let expected = tool.parameters.isEmpty ? "it takes no arguments" : "expected: " + tool.parameters.map(\.name).joined(separator: ", ")
            throw RPCError.invalidParams("unknown argument '\(key)' for tool '\(tool.name)'; \(expected)")
        }
        var values: [String: JSONValue] = [:]
        for p in tool.parameters {
            let value = raw[p.name]
            // An optional argument sent as null means "use the default".
            guard let value, !(value.isNull && !p.isRequired) else {
                if let d = p.defaultValue { values[p.name] = d; continue }
                throw RPCError.invalidParams("missing required argument '\(p.name)' (\(p.kind.rawValue)) for tool '\(tool.name)'")
            }
            values[p.name] = try Self.check(value, p, tool: tool.name)
        }
        self.values = values
    }

    private static func check(_ value: JSONValue, _ p: ToolParameter, tool: String) throws -> JSONValue {
        switch (p.kind, value) {
        case (.string, .string), (.boolean, .bool), (.object, .object), (.integer, .int):
            return value
        case (.integer, .double):
            if let i = value.intValue { return .int(i) }
        default:
            break
        }
        throw RPCError.invalidParams("argument '\(p.name)' of tool '\(tool)' must be \(article(p.kind)) \(p.kind.rawValue), got \(value.typeName)")
    }

    private static func article(_ kind: ToolParameter.Kind) -> String {
        kind == .integer || kind == .object ? "an" : "a"
    }

    public func string(_ name: String) -> String { values[name]?.stringValue ?? "" }
    public func optionalString(_ name: String) -> String? { values[name]?.stringValue }
    public func int(_ name: String) -> Int { Int(clamping: values[name]?.intValue ?? 0) }
    public func bool(_ name: String) -> Bool { values[name]?.boolValue ?? false }
    public func object(_ name: String) -> JSONObject { values[name]?.objectValue ?? JSONObject() }
}

/// The full tool table in `tools/list` order, CMDBsyncer's order.
public enum ToolTable {
    public static var all: [Tool] { HostTools.all + RuleTools.all + SyncerTools.all }

    /// The tools a server offers: without the write tools when read-only.
    public static func tools(readOnly: Bool) -> [Tool] {
        readOnly ? all.filter { !$0.isWrite } : all
    }
}

// MARK: Schema helpers for output schemas

/// Small builders so output schemas read like the shapes they describe.
enum Schema {
    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let anyObject: JSONValue = ["type": "object", "additionalProperties": true]
    static let nullableString: JSONValue = ["type": ["string", "null"]]
    /// An ISO 8601 UTC time, or null when never set.
    static let nullableTime: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    static let time: JSONValue = ["type": "string", "format": "date-time"]

    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    static func enumeration(_ values: [String]) -> JSONValue { ["type": "string", "enum": .strings(values)] }

    /// A map from names to values of one schema (`{rule_type: count}`).
    static func map(_ values: JSONValue) -> JSONValue { ["type": "object", "additionalProperties": values] }

    /// An object with these properties; `required` lists those always present. Further
    /// members are allowed, so a field added to a result later does not break a client
    /// that validates `structuredContent` against this schema.
    static func object(_ properties: [(String, JSONValue)], required: [String]? = nil, additional: Bool = true) -> JSONValue {
        .object([
            "type": "object",
            "properties": .object(JSONObject(properties)),
            "required": .strings(required ?? properties.map(\.0)),
            "additionalProperties": .bool(additional),
        ])
    }
}
