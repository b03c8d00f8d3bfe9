import Foundation
import Stencil

/// An autorule's `rule_body`, checked and compiled once, rendered per host within bounds.
///
/// Templates are written by anyone who may create rules (an `mcp` user), and rendered by
/// every autorules pass, on the shared HTTP server and in the cron runner. So a template
/// must not be able to exhaust the process: its size, the nesting of its tags and the
/// length of each tag are checked before Stencil parses it (Stencil's parser recurses per
/// nesting level), only the tags listed here exist, and the `for` loop is our own, which
/// charges every iteration and every rendered byte to a per-render budget and stops at
/// a deadline. Values from host data are JSON-escaped before they reach the template, so
/// a label can never close a string and add fields to the rendered document.
public struct AutoruleTemplate {
    /// The bounds, named so errors can quote them.
    enum Limits {
        static let templateBytes = 64 * 1024
        static let nesting = 16
        static let tagBytes = 512
        static let iterations = 10_000
        static let outputBytes = 256 * 1024
        static let renderSeconds: TimeInterval = 0.5
    }

    /// Why a template is refused or a render stopped; worded for the rule's author.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Tags a template may use, with the tags that close them.
    private static let blockTags: [String: Set<String>] = ["if": ["endif"], "for": ["endfor"], "filter": ["endfilter"]]
    private static let innerTags: Set<String> = ["elif", "else", "empty"]
    private static let closingTags: Set<String> = ["endif", "endfor", "endfilter"]

    static let environment: Environment = {
        let bounded = Extension()
        bounded.registerTag("for", parser: BoundedForNode.parse)
        // `indent:N` allocates N spaces per line: a one-line template could ask for gigabytes.
        bounded.registerFilter("indent") { (_: Any?, _: [Any?]) -> Any? in
            throw TemplateSyntaxError("the indent filter is not available in autorule templates")
        }
        return Environment(extensions: [bounded])
    }()

    private let nodes: [NodeType]

    /// Checks the bounds and parses once; a template that fails here is never rendered.
    public init(_ text: String) throws {
        guard text.utf8.count <= Limits.templateBytes else {
            throw Refusal(description: "the template is \(text.utf8.count) bytes; at most \(Limits.templateBytes) are allowed")
        }
        let tokens = Template(templateString: text, environment: Self.environment).tokens
        var open: [String] = []
        for token in tokens {
            switch token.kind {
            case .variable, .block:
                guard token.contents.utf8.count <= Limits.tagBytes else {
                    throw Refusal(description: "a tag or variable longer than \(Limits.tagBytes) bytes at line \(token.sourceMap.location.lineNumber)")
                }
            default:
                continue
            }
            // Stencil builds the whole array of a range literal (`1...1000000000`) before
            // anything can count it, wherever the literal stands.
            guard !token.contents.contains("...") else {
                throw Refusal(description: "range literals ('a...b') are not available in autorule templates (line \(token.sourceMap.location.lineNumber))")
            }
            guard token.kind == .block else { continue }
            let name = token.components.first ?? ""
            if Self.blockTags[name] != nil {
                open.append(name)
                guard open.count <= Limits.nesting else {
                    throw Refusal(description: "tags nested deeper than \(Limits.nesting) levels")
                }
            } else if Self.closingTags.contains(name) {
                guard let last = open.last, Self.blockTags[last]?.contains(name) == true else {
                    throw Refusal(description: "'\(name)' at line \(token.sourceMap.location.lineNumber) closes no open tag")
                }
                open.removeLast()
            } else if !Self.innerTags.contains(name) {
                let allowed = (Array(Self.blockTags.keys) + Array(Self.innerTags) + Array(Self.closingTags)).sorted()
                throw Refusal(description: "the tag '\(name)' is not available in autorule templates (allowed: \(allowed.joined(separator: ", ")))")
            }
        }
        guard open.isEmpty else { throw Refusal(description: "'\(open.last!)' is never closed") }
        do {
            nodes = try TokenParser(tokens: tokens, environment: Self.environment).parse()
        } catch {
            throw Refusal(description: "template error: \(error)")
        }
    }

    /// Renders the template for one host, as an autorules pass does.
    public func render(for host: HostObject) throws -> String { try render(Self.context(for: host)) }

    /// Renders with `variables` (already JSON-escaped, see `context(for:)`).
    func render(_ variables: [String: Any]) throws -> String {
        let budget = RenderBudget()
        var dictionary = variables
        // Set last, so no label of the same name can replace it.
        dictionary[RenderBudget.contextKey] = budget
        let out = try renderNodes(nodes, Context(dictionary: dictionary, environment: Self.environment))
        try budget.charge(bytes: out.utf8.count)
        return out
    }

    // MARK: Host data as template variables

    /// The template variables CMDBsyncer gives a host: labels and inventory as top-level
    /// variables, plus HOSTNAME, SOURCE_ACCOUNT, syncer_last_seen and syncer_last_sync,
    /// every string JSON-escaped (`"` → `\"`, controls → `\uXXXX`): inside a JSON string
    /// it reads back as the original text, and outside one it cannot form a key.
    static func context(for host: HostObject) -> [String: Any] {
        var context: [String: Any] = [:]
        for (k, v) in host.labels { context[k] = plain(v) }
        for (k, v) in host.inventory { context[k] = plain(v) }
        context["HOSTNAME"] = escaped(host.hostname)
        context["SOURCE_ACCOUNT"] = escaped(host.sourceAccountName ?? "")
        context["syncer_last_seen"] = host.lastImportSeen.map { ExtendedDate.iso($0) } ?? ""
        context["syncer_last_sync"] = host.lastImportSync.map { ExtendedDate.iso($0) } ?? ""
        return context
    }

    static func plain(_ value: JSONValue) -> Any {
        switch value {
        case .null: return ""
        case .bool(let b): return b
        case .int(let i): return Int(i)
        case .double(let d): return d
        case .string(let s): return escaped(s)
        case .array(let a): return a.map(plain)
        case .object(let o): return Dictionary(o.map { (escaped($0.key), plain($0.value)) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The text as it stands between the quotes of a JSON string.
    static func escaped(_ text: String) -> String {
        var bytes: [UInt8] = []
        JSONWriter.writeString(text, into: &bytes)
        return String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
    }
}

/// What one render may still spend. A class: the loop nodes charge it through the context.
final class RenderBudget {
    static let contextKey = "__cmdbsyncer_render_budget"
    private var iterations = 0
    private var bytes = 0
    private let deadline = Date().addingTimeInterval(AutoruleTemplate.Limits.renderSeconds)

    func chargeIteration() throws {
        iterations += 1
        if iterations > AutoruleTemplate.Limits.iterations {
            throw AutoruleTemplate.Refusal(description: "the template loops more than \(AutoruleTemplate.Limits.iterations) times")
        }
        if iterations % 64 == 0, Date() > deadline {
            throw AutoruleTemplate.Refusal(description: "rendering took longer than \(AutoruleTemplate.Limits.renderSeconds) s")
        }
    }

    func charge(bytes count: Int) throws {
        bytes += count
        if bytes > AutoruleTemplate.Limits.outputBytes {
            throw AutoruleTemplate.Refusal(description: "the rendered text exceeds \(AutoruleTemplate.Limits.outputBytes) bytes")
        }
    }
}

/// `{% for x in seq %}…{% empty %}…{% endfor %}` (and `for k, v in dict`), with
/// `forloop.first/last/counter/counter0/length`, every iteration and its output charged
/// to the render's budget. (Range literals are refused before parsing: Stencil would
/// materialise them.)
final class BoundedForNode: NodeType {
    let token: Token?
    private let resolvable: Resolvable
    private let loopVariables: [String]
    private let nodes: [NodeType]
    private let emptyNodes: [NodeType]

    private init(token: Token, resolvable: Resolvable, loopVariables: [String], nodes: [NodeType], emptyNodes: [NodeType]) {
        self.token = token; self.resolvable = resolvable; self.loopVariables = loopVariables
        self.nodes = nodes; self.emptyNodes = emptyNodes
    }

    static func parse(_ parser: TokenParser, token: Token) throws -> NodeType {
        let components = token.components
        guard components.count == 4, components[2] == "in" else {
            throw TemplateSyntaxError("'for' in autorule templates takes the form `for <x> in <y>` or `for <k>, <v> in <dict>`")
        }
        let variables = components[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let resolvable = try parser.compileResolvable(components[3], containedIn: token)
        let body = try parser.parse(until(["endfor", "empty"]))
        guard let next = parser.nextToken() else { throw TemplateSyntaxError("`endfor` was not found.") }
        var empty: [NodeType] = []
        if next.contents == "empty" {
            empty = try parser.parse(until(["endfor"]))
            _ = parser.nextToken()
        }
        return BoundedForNode(token: token, resolvable: resolvable, loopVariables: variables, nodes: body, emptyNodes: empty)
    }

    func render(_ context: Context) throws -> String {
        guard let budget = context[RenderBudget.contextKey] as? RenderBudget else {
            throw TemplateSyntaxError("for: no render budget")
        }
        let resolved = try resolvable.resolve(context)
        let items: AnySequence<Any>
        let count: Int
        if let dictionary = resolved as? [String: Any] {
            let pairs = dictionary.sorted { $0.key < $1.key }
            items = AnySequence(pairs.lazy.map { ($0.key, $0.value) as Any })
            count = pairs.count
        } else if let array = resolved as? [Any] {
            items = AnySequence(array)
            count = array.count
        } else {
            items = AnySequence([])
            count = 0
        }
        guard count > 0 else { return try context.push { try renderNodes(emptyNodes, context) } }
        var result = ""
        for (index, item) in items.enumerated() {
            try budget.chargeIteration()
            let forloop: [String: Any] = [
                "first": index == 0, "last": index == count - 1, "counter": index + 1, "counter0": index, "length": count,
            ]
            var scope: [String: Any] = ["forloop": forloop]
            if loopVariables.count >= 2, let (key, value) = item as? (String, Any) {
                scope[loopVariables[0]] = key
                scope[loopVariables[1]] = value
            } else if let name = loopVariables.first {
                scope[name] = item
            }
            let piece = try context.push(dictionary: scope) { try renderNodes(nodes, context) }
            try budget.charge(bytes: piece.utf8.count)
            result += piece
        }
        return result
    }
}
