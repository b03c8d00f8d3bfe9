import Foundation

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
        let template: AutoruleTemplate
        let objectFilter: String
    }

    /// A rendered rule waiting to be written.
    struct Candidate {
        let ruleType: String
        let name: String
        var document: JSONObject
    }

    static let pageSize = 1000

    /// Types an automation may create: rules only. Hosts, accounts and users have their
    /// own operations, and a cron group made from host data would let data decide what
    /// runs on the runner's machine.
    static func mayTarget(_ type: String) -> Bool {
        RuleTypeCatalog.isKnown(type) && RuleTypeCatalog.collection(of: type) == .rules
            && type != RuleTypeCatalog.automation && type != RuleTypeCatalog.cronGroups
    }

    static func automations(_ r: any StoreReading, problems: inout [String]) throws -> [Automation] {
        try r.documents(ofType: RuleTypeCatalog.automation, afterSeq: 0, limit: Int.max).compactMap { stored in
            let rule = Rule(document: stored.document)
            let name = rule.name ?? "unnamed"
            guard rule.enabled else { return nil }
            guard let type = rule.string("rule_type"), mayTarget(type) else {
                problems.append("automation '\(name)': rule_type must be a known rule type other than host_objects, cmdb_templates, accounts, users, cron_groups and syncer_rule_automation")
                return nil
            }
            guard let body = rule.string("rule_body") else {
                problems.append("automation '\(name)': rule_body is missing")
                return nil
            }
            do {
                return Automation(name: name, ruleType: type, template: try AutoruleTemplate(body),
                                  objectFilter: rule.string("object_filter") ?? "")
            } catch {
                problems.append("automation '\(name)': \(error)")
                return nil
            }
        }
    }
}

extension Syncer {
    /// Runs every enabled automation over all hosts (those of its accounts, for a
    /// restricted principal). Templates are rendered from one read snapshot; only the
    /// rules that result are written, in one short transaction, so a slow pass never
    /// holds the write lock. With `debug` nothing is written and the names that would be
    /// created are returned.
    public func runAutorules(debug: Bool = false, as principal: Principal) throws -> AutoruleReport {
        if !debug { try principal.requireWrite("run autorules") }
        var report = AutoruleReport()
        let candidates = try store.read { r in try renderAutorules(r, principal: principal, report: &report) }
        if debug {
            report.wouldCreate = candidates.sorted { ($0.ruleType, $0.name) < ($1.ruleType, $1.name) }.map(\.name)
            report.created = 0
            return report
        }
        try store.write { w in
            report.created = 0
            for var candidate in candidates {
                // Written meanwhile by someone else: skipped, as at render time.
                if try w.document(ofType: candidate.ruleType, unique: candidate.name) != nil {
                    report.skipped += 1
                    continue
                }
                candidate.document.setFirst("_id", ObjectID.generate(at: self.now()).json)
                try w.insertDocument(ofType: candidate.ruleType, candidate.document)
                report.created += 1
            }
            try record(w, principal, "Autorules created \(report.created) rules, skipped \(report.skipped)",
                       details: report.problems.prefix(20).map { .init("WARNING", $0) }, error: !report.problems.isEmpty)
        }
        return report
    }

    /// Renders every automation for every host in `r`: the rules to create, in order.
    private func renderAutorules(_ r: any StoreReading, principal: Principal, report: inout AutoruleReport) throws -> [AutoruleRunner.Candidate] {
        let automations = try AutoruleRunner.automations(r, problems: &report.problems)
        guard !automations.isEmpty else { return [] }
        var candidates: [AutoruleRunner.Candidate] = []
        var pending: [String: Set<String>] = [:]
        // A broken automation says so once per pass, not once per host.
        var failed = Set<String>()
        var after: Int64? = 0
        while let cursor = after {
            let page = try r.hosts(matching: HostFilter(includeObjects: true, accounts: principal.accountScope), afterSeq: cursor,
                                   offset: 0, limit: AutoruleRunner.pageSize)
            after = page.count == AutoruleRunner.pageSize ? page.last?.seq : nil
            for stored in page {
                let host = HostObject(document: stored.document)
                let context = AutoruleTemplate.context(for: host)
                for auto in automations where !failed.contains(auto.name) && (auto.objectFilter.isEmpty || auto.objectFilter == host.objectType) {
                    func skip(_ problem: String) {
                        report.skipped += 1
                        if report.problems.count < 200 { report.problems.append("automation '\(auto.name)', host \(host.hostname): \(problem)") }
                    }
                    let rendered: String
                    do { rendered = try auto.template.render(context) } catch let refusal as AutoruleTemplate.Refusal {
                        // A bound was hit: the template, not this host, is at fault.
                        skip("\(refusal); the automation is skipped for the rest of this pass")
                        failed.insert(auto.name)
                        continue
                    } catch {
                        skip("template error: \(error)")
                        continue
                    }
                    let parsed: JSONValue
                    do { parsed = try JSONReader.parse(rendered) } catch {
                        skip("the rendered body is not JSON: \(error)")
                        continue
                    }
                    guard let doc = parsed.objectValue, let name = doc["name"]?.stringValue, !name.isEmpty else {
                        skip("the rendered body is not a JSON object with a name")
                        continue
                    }
                    if try pending[auto.ruleType, default: []].contains(name) || r.document(ofType: auto.ruleType, unique: name) != nil {
                        report.skipped += 1
                        continue
                    }
                    pending[auto.ruleType, default: []].insert(name)
                    candidates.append(.init(ruleType: auto.ruleType, name: name, document: doc))
                    report.created += 1
                }
            }
        }
        return candidates
    }
}
