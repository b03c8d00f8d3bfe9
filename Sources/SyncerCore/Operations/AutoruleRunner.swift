import Foundation
import Stencil

public struct AutoruleReport: JSONRepresentable, Equatable, Sendable {
    public var created = 0
    public var skipped = 0
    /// Names of the rules a debug run would create (nothing is written then).
    public var wouldCreate: [String]?
    /// Why documents were skipped other than "exists already": bad template, bad JSON…
    public var problems: [String] = []

    public var json: JSONValue {
        var o: JSONObject = ["status": "ok", "created": .int(created), "skipped": .int(skipped)]
        if let wouldCreate { o["would_create"] = .strings(wouldCreate) }
        if !problems.isEmpty { o["problems"] = .strings(Array(problems.prefix(50))) }
        return .object(o)
    }
}

/// The autorules pass (`syncer_rule_automation`): for each enabled automation and each
/// matching host, render `rule_body` with the host's data and store the resulting rule
/// unless a rule of that name exists in its type.
struct AutoruleRunner {
    struct Automation {
        let name: String
        let ruleType: String
        let template: Template
        let objectFilter: String
    }

    static let pageSize = 1000
    static let environment = Environment()

    /// The template context CMDBsyncer gives a host: labels and inventory as top-level
    /// variables, plus HOSTNAME, SOURCE_ACCOUNT, syncer_last_seen and syncer_last_sync.
    static func context(for host: HostObject) -> [String: Any] {
        var context: [String: Any] = [:]
        for (k, v) in host.labels { context[k] = plain(v) }
        for (k, v) in host.inventory { context[k] = plain(v) }
        context["HOSTNAME"] = host.hostname
        context["SOURCE_ACCOUNT"] = host.sourceAccountName ?? ""
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
        case .string(let s): return s
        case .array(let a): return a.map(plain)
        case .object(let o): return Dictionary(o.map { ($0.key, plain($0.value)) }, uniquingKeysWith: { a, _ in a })
        }
    }

    static func automations(_ r: any StoreReading, problems: inout [String]) throws -> [Automation] {
        try r.documents(ofType: RuleTypeCatalog.automation, afterSeq: 0, limit: Int.max).compactMap { stored in
            let rule = Rule(document: stored.document)
            let name = rule.name ?? "unnamed"
            guard rule.enabled else { return nil }
            guard let type = rule.string("rule_type"), RuleTypeCatalog.isKnown(type),
                RuleTypeCatalog.collection(of: type) == .rules, type != RuleTypeCatalog.automation
            else {
                problems.append("automation '\(name)': rule_type must be a known rule type other than hosts, accounts, users")
                return nil
            }
            guard let body = rule.string("rule_body") else {
                problems.append("automation '\(name)': rule_body is missing")
                return nil
            }
            return Automation(name: name, ruleType: type, template: Template(templateString: body, environment: environment),
                              objectFilter: rule.string("object_filter") ?? "")
        }
    }
}

extension Syncer {
    /// Runs every enabled automation over all hosts in one transaction. With `debug`
    /// nothing is written and the names that would be created are returned.
    public func runAutorules(debug: Bool = false, as principal: Principal) throws -> AutoruleReport {
        if !debug { try principal.requireWrite("run autorules") }
        var report = AutoruleReport()
        let body = { (w: any StoreReading, writer: (any StoreWriting)?) throws in
            let automations = try AutoruleRunner.automations(w, problems: &report.problems)
            guard !automations.isEmpty else { return }
            var pending: [String: Set<String>] = [:]
            var after: Int64? = 0
            while let cursor = after {
                let page = try w.hosts(matching: HostFilter(includeObjects: true), afterSeq: cursor, offset: 0,
                                       limit: AutoruleRunner.pageSize)
                after = page.count == AutoruleRunner.pageSize ? page.last?.seq : nil
                for stored in page {
                    let host = HostObject(document: stored.document)
                    let context = AutoruleRunner.context(for: host)
                    for auto in automations where auto.objectFilter.isEmpty || auto.objectFilter == host.objectType {
                        let rendered: String
                        do { rendered = try auto.template.render(context) } catch {
                            report.skipped += 1
                            report.problems.append("automation '\(auto.name)', host \(host.hostname): template error: \(error)")
                            continue
                        }
                        guard var doc = (try? JSONReader.parse(rendered))?.objectValue, let name = doc["name"]?.stringValue,
                            !name.isEmpty
                        else {
                            report.skipped += 1
                            report.problems.append("automation '\(auto.name)', host \(host.hostname): the rendered body is not a JSON object with a name")
                            continue
                        }
                        let exists = try w.document(ofType: auto.ruleType, unique: name) != nil
                        if exists || pending[auto.ruleType, default: []].contains(name) {
                            report.skipped += 1
                            continue
                        }
                        pending[auto.ruleType, default: []].insert(name)
                        if let writer {
                            doc.setFirst("_id", ObjectID.generate(at: self.now()).json)
                            try writer.insertDocument(ofType: auto.ruleType, doc)
                        }
                        report.created += 1
                    }
                }
            }
            if debug { report.wouldCreate = pending.keys.sorted().flatMap { pending[$0]!.sorted() } }
        }
        if debug {
            try store.read { try body($0, nil) }
            report.wouldCreate = report.wouldCreate ?? []
            report.created = 0
        } else {
            try store.write { w in
                try body(w, w)
                try record(w, principal, "Autorules created \(report.created) rules, skipped \(report.skipped)",
                           details: report.problems.prefix(20).map { .init("WARNING", $0) }, error: !report.problems.isEmpty)
            }
        }
        return report
    }
}
