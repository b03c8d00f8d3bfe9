import Foundation
import SyncerCore

/// The resources: one host, the rules of one type (URI templates) and the cron status
/// (a fixed URI), plus completion of the template arguments.
enum Resources {
    static let hostTemplate = "cmdbsyncer://hosts/{hostname}"
    static let rulesTemplate = "cmdbsyncer://rules/{rule_type}"
    static let cronStatusURI = "cmdbsyncer://cron/status"

    static let hostPrefix = "cmdbsyncer://hosts/"
    static let rulesPrefix = "cmdbsyncer://rules/"

    /// Completion answers at most this many values (the MCP limit).
    static let maxCompletions = 100

    static let mimeType = "application/json"

    /// `resources/list`: only the fixed resource; hosts and rule types come through templates.
    static var list: JSONValue {
        .object(["resources": [
            .object([
                "uri": .string(cronStatusURI), "name": "cron-status", "title": "Cron status",
                "description": "Every cron group with its last start, next run, running flag and last message.",
                "mimeType": .string(mimeType),
            ]),
        ]])
    }

    /// `resources/templates/list`.
    static var templates: JSONValue {
        .object(["resourceTemplates": [
            .object([
                "uriTemplate": .string(hostTemplate), "name": "host", "title": "Host",
                "description": "One host: hostname, labels, inventory, last_seen and last_update.",
                "mimeType": .string(mimeType),
            ]),
            .object([
                "uriTemplate": .string(rulesTemplate), "name": "rules", "title": "Rules of one type",
                "description": "Every document of one rule type in bundle form, as {rule_type, rules}.",
                "mimeType": .string(mimeType),
            ]),
        ]])
    }

    /// `resources/read`: the resource as one JSON text. Unknown URIs, hosts and rule types
    /// are -32002.
    static func read(_ uri: String, syncer: Syncer, principal: Principal) throws -> JSONValue {
        let value: JSONValue
        if uri == cronStatusURI {
            value = .object(["groups": .array(try syncer.cronStatus().map(\.json))])
        } else if let hostname = argument(of: uri, prefix: hostPrefix) {
            do { value = try syncer.host(named: hostname, as: principal).summary } catch SyncerError.notFound {
                throw RPCError.resourceNotFound(uri, "no host named '\(hostname)'")
            }
        } else if let type = argument(of: uri, prefix: rulesPrefix) {
            guard RuleTypeCatalog.isKnown(type) else {
                throw RPCError.resourceNotFound(uri, "unknown rule type '\(type)'; list_rule_types names the valid ones")
            }
            let rules = try syncer.exportRules(ofType: type, as: principal)
            value = .object(["rule_type": .string(type), "rules": .array(rules.map { .object($0) })])
        } else {
            throw RPCError.resourceNotFound(
                uri, "unknown URI '\(uri)'; known: \(cronStatusURI), \(hostTemplate), \(rulesTemplate)")
        }
        return .object(["contents": [
            .object(["uri": .string(uri), "mimeType": .string(mimeType), "text": .string(value.compactText)]),
        ]])
    }

    /// The percent-decoded rest of `uri` after `prefix`; nil if it does not start with it,
    /// is empty, or holds a further path segment.
    static func argument(of uri: String, prefix: String) -> String? {
        guard uri.hasPrefix(prefix) else { return nil }
        let rest = String(uri.dropFirst(prefix.count))
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else { return nil }
        guard let decoded = rest.removingPercentEncoding, !decoded.isEmpty else { return nil }
        return decoded
    }

    /// `completion/complete` for the template arguments: hostnames and rule types by prefix.
    static func complete(_ params: JSONObject, syncer: Syncer, principal: Principal) throws -> JSONValue {
        guard let ref = params["ref"]?.objectValue, let refType = ref["type"]?.stringValue else {
            throw RPCError.invalidParams("'ref' must be an object with a 'type'")
        }
        guard let argument = params["argument"]?.objectValue, let name = argument["name"]?.stringValue,
            let value = argument["value"]?.stringValue
        else { throw RPCError.invalidParams("'argument' must be an object with string 'name' and 'value'") }
        guard refType == "ref/resource" else {
            throw RPCError.invalidParams("this server has no prompts; only ref/resource can be completed")
        }
        guard let uri = ref["uri"]?.stringValue else { throw RPCError.invalidParams("'ref.uri' must be a string") }
        var values: [String]
        var hasMore = false
        switch (uri, name) {
        case (hostTemplate, "hostname"):
            values = try syncer.hostnames(withPrefix: value, limit: maxCompletions + 1, as: principal)
            hasMore = values.count > maxCompletions
            values = Array(values.prefix(maxCompletions))
        case (rulesTemplate, "rule_type"):
            values = RuleTypeCatalog.all.filter { $0.hasPrefix(value) }
        case (hostTemplate, _), (rulesTemplate, _), (cronStatusURI, _):
            values = []
        default:
            throw RPCError.invalidParams("unknown resource template '\(uri)'")
        }
        var completion: JSONObject = ["values": .strings(values), "hasMore": .bool(hasMore)]
        if !hasMore { completion["total"] = .int(values.count) }
        return .object(["completion": .object(completion)])
    }
}
