import Foundation
import SyncerCore

/// Rules: `list_rule_types`, `export_rules`, `export_all_rules`, `create_rule`,
/// `import_rules_bulk`, `run_autorules`.
enum RuleTools {
    static var all: [Tool] {
        [listRuleTypes, exportRules, exportAllRules, createRule, importRulesBulk, runAutorules]
    }

    static let ruleType = ToolParameter("rule_type", .string, "A rule type ident from list_rule_types, e.g. \"cmk_rules\".")
    static let override = ToolParameter(
        "override", .boolean, "Replace documents with the same _id or unique name instead of counting them as duplicates.",
        default: false)

    static let countsSchema = Schema.map(Schema.integer)

    static let listRuleTypes = Tool(
        name: "list_rule_types",
        title: "List rule types",
        description: """
            Return the rule type idents this syncer stores (those of CMDBsyncer 4.4), sorted: the values \
            export_rules, create_rule and import_rules_bulk accept. host_objects, accounts and users are \
            included because bundles carry them as rule types.
            """,
        parameters: [],
        outputSchema: Schema.object([("rule_types", Schema.array(Schema.string))]),
        annotations: .reader,
        isWrite: false,
        handler: { _ in JSONValue.object(["rule_types": .strings(RuleTypeCatalog.all)]) })

    static let exportRules = Tool(
        name: "export_rules",
        title: "Export rules of one type",
        description: """
            Return every stored document of one rule type in bundle form ({"_id": {"$oid": …}}, dates as \
            {"$date": ms}) as {rule_type, rules}. Account passwords and user password hashes are redacted \
            unless you hold the 'all' API role. An unknown rule type fails.
            """,
        parameters: [ruleType],
        outputSchema: Schema.object([("rule_type", Schema.string), ("rules", Schema.array(Schema.anyObject))]),
        annotations: .reader,
        isWrite: false,
        handler: { call in
            let type = call.arguments.string("rule_type")
            let rules = try call.syncer.exportRules(ofType: type, as: call.principal)
            return JSONValue.object(["rule_type": .string(type), "rules": .array(rules.map { .object($0) })])
        })

    static let exportAllRules = Tool(
        name: "export_all_rules",
        title: "Export all rules as a bundle",
        description: """
            Export a whole bundle, {exported_at, rules: {rule_type: [documents]}}, in the format \
            import_rules_bulk and CMDBsyncer 4.x read back. Hosts (host_objects), accounts, users and \
            Checkmk password entries (cmk_passwords) are left out unless the matching include_* flag is \
            set; rule types without documents are omitted. Secrets are redacted unless you hold the 'all' \
            API role. Mind the size of include_hosts on large installations: list_hosts pages instead.
            """,
        parameters: [
            ToolParameter("include_hosts", .boolean, "Also export hosts and objects as host_objects.", default: false),
            ToolParameter("include_accounts", .boolean, "Also export accounts.", default: false),
            ToolParameter("include_users", .boolean, "Also export users (password hashes only for 'all').", default: false),
            ToolParameter("include_passwords", .boolean, "Also export Checkmk password store entries (cmk_passwords).",
                          default: false),
        ],
        outputSchema: Schema.object([
            ("exported_at", Schema.time),
            ("rules", Schema.map(Schema.array(Schema.anyObject))),
        ]),
        annotations: .reader,
        isWrite: false,
        handler: { call in
            let a = call.arguments
            let options = ExportOptions(includeHosts: a.bool("include_hosts"), includeAccounts: a.bool("include_accounts"),
                                        includeUsers: a.bool("include_users"), includePasswords: a.bool("include_passwords"))
            return try call.syncer.exportBundle(options, as: call.principal)
        })

    static let createRule = Tool(
        name: "create_rule",
        title: "Create rule",
        description: """
            Store one document of a rule type, in the same form export_rules returns. Returns \
            {rule_type, status}: "imported", "duplicate" (a document with the same _id or name exists and \
            override is false; nothing is written) or "invalid" (with a reason; nothing is written). \
            Creating users needs the 'all' API role.
            """,
        parameters: [
            ruleType,
            ToolParameter("rule", .object, "The rule document.", extra: ["additionalProperties": true]),
            override,
        ],
        outputSchema: Schema.object([
            ("rule_type", Schema.string),
            ("status", Schema.enumeration(["imported", "duplicate", "invalid"])),
            ("reason", Schema.string),
        ], required: ["rule_type", "status"]),
        annotations: ToolAnnotations(readOnly: false, destructive: true, idempotent: false),
        isWrite: true,
        handler: { call in
            try call.syncer.createRule(ofType: call.arguments.string("rule_type"), call.arguments.object("rule"),
                                       override: call.arguments.bool("override"), as: call.principal)
        })

    static let importRulesBulk = Tool(
        name: "import_rules_bulk",
        title: "Import rules in bulk",
        description: """
            Import many documents in one transaction: all or nothing. payload is either \
            {"rule_type": T, "rules": [documents]} or a whole bundle {"rules": {T: [documents], …}} as \
            export_all_rules returns it. Returns {imported: {type: n}, total, added, replaced, duplicates, \
            skipped}; documents of rule types this syncer does not know are not written and are counted \
            under skipped. Importing users needs the 'all' API role.
            """,
        parameters: [
            ToolParameter("payload", .object, "The documents to import, in one of the two forms above.",
                          extra: ["additionalProperties": true]),
            override,
        ],
        outputSchema: Schema.object([
            ("imported", countsSchema), ("total", Schema.integer), ("added", countsSchema),
            ("replaced", countsSchema), ("duplicates", countsSchema), ("skipped", countsSchema),
        ], required: ["imported", "total"]),
        annotations: ToolAnnotations(readOnly: false, destructive: true, idempotent: false),
        isWrite: true,
        handler: { call in
            try call.syncer.importBundle(.object(call.arguments.object("payload")), override: call.arguments.bool("override"),
                                         as: call.principal)
        })

    static let runAutorules = Tool(
        name: "run_autorules",
        title: "Run autorules",
        description: """
            Run every enabled rule automation (syncer_rule_automation) over the current hosts and store the \
            rules their templates render; a rendered rule whose name exists already is skipped. Returns \
            {status: "ok", created, skipped}. With debug nothing is written and would_create lists the rule \
            names a real run would add.
            """,
        parameters: [
            ToolParameter("debug", .boolean, "Dry run: report what would be created, write nothing.", default: false),
        ],
        outputSchema: Schema.object([
            ("status", Schema.enumeration(["ok"])), ("created", Schema.integer), ("skipped", Schema.integer),
            ("would_create", Schema.array(Schema.string)), ("problems", Schema.array(Schema.string)),
        ], required: ["status", "created", "skipped"]),
        annotations: ToolAnnotations(readOnly: false, destructive: false, idempotent: true),
        isWrite: true,
        handler: { call in try call.syncer.runAutorules(debug: call.arguments.bool("debug"), as: call.principal) })
}
