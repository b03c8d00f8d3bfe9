import Foundation

/// Sample content for trying the console and MCP server: accounts, hosts with labels and
/// inventory, rules of several types, cron groups, users and a log history.
public struct DemoData {
    /// Every demo user logs in with this password (the README says so; never use a demo
    /// database for real data).
    public static let password = "demo-password"

    public struct Summary: JSONRepresentable, Sendable {
        public var hosts: Int
        public var objects: Int
        public var accounts: Int
        public var rules: Int
        public var users: [String]
        public var json: JSONValue {
            .object(["hosts": .int(hosts), "objects": .int(objects), "accounts": .int(accounts), "rules": .int(rules),
                     "users": .strings(users), "password": .string(DemoData.password)])
        }
    }

    static let sites = ["fra", "ber", "muc", "ham", "vie", "zrh"]
    static let roles = ["web", "db", "app", "cache", "lb", "mail", "k8s", "backup"]
    static let envs = ["prod", "stage", "dev"]
    static let oses = ["linux", "linux", "linux", "windows", "aix"]
    static let teams = ["ops", "platform", "payments", "search", "Müller-Team", "東京"]
}

extension Syncer {
    /// True when the database holds no hosts, accounts, users or rules.
    public func isEmpty() throws -> Bool {
        try store.read { r in
            try RuleTypeCatalog.all.allSatisfy { try r.countDocuments(ofType: $0) == 0 }
        }
    }

    /// Fills the database with `hosts` sample hosts and the rest of a small deployment.
    /// Refuses a database that has content unless `force` is set.
    public func fillDemo(hosts count: Int, force: Bool = false, as principal: Principal) throws -> DemoData.Summary {
        try principal.requireWrite("create demo data")
        guard count >= 0, count <= 10_000_000 else { throw SyncerError.invalidArgument("--hosts must be between 0 and 10000000") }
        if !force, !(try isEmpty()) {
            throw SyncerError.invalidArgument("the database \(store.location) is not empty; pass --force to add demo data anyway")
        }
        let time = now()
        let cipher = try cipher()
        let hash = try PasswordHash.make(DemoData.password)
        var rules = 0
        let objects = min(20, max(1, count / 50))
        let users = ["admin@example.org", "mcp@example.org", "viewer@example.org", "ci-bot@example.org"]
        try store.write { w in
            // Accounts.
            let accountSpecs: [(String, String, String, Bool)] = [
                ("csvimport", "csv", "/var/lib/syncer/hosts.csv", false),
                ("checkmk_prod", "cmkv2", "https://monitoring.example.org/prod", true),
                ("netbox", "netbox", "https://netbox.example.org", false),
            ]
            var accountIDs: [String: ObjectID] = [:]
            for (name, type, address, master) in accountSpecs {
                let id = ObjectID.generate(at: time)
                accountIDs[name] = id
                try w.insertDocument(ofType: RuleTypeCatalog.accounts, [
                    "_id": id.json, "name": .string(name), "typ": .string(type), "is_master": .bool(master),
                    "is_child": false, "is_object": false, "address": .string(address), "username": "automation",
                    "password_crypted": .string(try cipher.encrypt("secret-of-\(name)")),
                    "custom_fields": [["name": "verify_cert", "value": "true"]], "plugin_settings": [], "enabled": true,
                ])
            }
            // Hosts: deterministic, so screenshots and tests can name them.
            for i in 0..<count {
                let site = DemoData.sites[i % DemoData.sites.count]
                let role = DemoData.roles[(i / 3) % DemoData.roles.count]
                let hostname = String(format: "%@-%@-%05d.example.org", role, site, i)
                let account = i % 10 == 9 ? "netbox" : "csvimport"
                let seen = time.addingTimeInterval(i % 17 == 0 ? -3 * 86400 : -Double(i % 3600))
                var inventory: JSONObject = [
                    "cmk__agent": i % 23 == 0 ? "timeout" : "ok", "cmk__site": .string(site),
                    "hw__cpus": .int(Int64(2 << (i % 4))), "hw__memory_gb": .int(Int64(4 << (i % 5))),
                ]
                if i % 5 == 0 { inventory["os__kernel"] = .string("6.1.0-\(i % 30)-amd64") }
                try w.insertDocument(ofType: RuleTypeCatalog.hosts, [
                    "_id": ObjectID.generate(at: time).json, "hostname": .string(hostname),
                    "labels": .object([
                        "os": .string(DemoData.oses[i % DemoData.oses.count]), "env": .string(DemoData.envs[i % DemoData.envs.count]),
                        "site": .string(site), "role": .string(role), "team": .string(DemoData.teams[i % DemoData.teams.count]),
                    ]),
                    "inventory": .object(inventory), "cmdb_fields": [], "cmdb_templates": [], "no_autodelete": false,
                    "is_object": false, "object_type": "auto", "source_account_id": .string(accountIDs[account]!.hex),
                    "source_account_name": .string(account), "lifecycle_state": "active", "is_stale": false, "relations": [],
                    "last_import_seen": ExtendedDate.json(seen), "last_import_sync": ExtendedDate.json(seen.addingTimeInterval(-3600)),
                    "create_time": ExtendedDate.json(time.addingTimeInterval(-30 * 86400)), "log": [], "cache": [:],
                ])
            }
            for i in 0..<objects {
                try w.insertDocument(ofType: RuleTypeCatalog.hosts, [
                    "_id": ObjectID.generate(at: time).json, "hostname": .string("application-\(i + 1)"),
                    "labels": ["team": .string(DemoData.teams[i % DemoData.teams.count]), "tier": i % 2 == 0 ? "1" : "2"],
                    "inventory": [:], "is_object": true, "object_type": "application", "lifecycle_state": "active",
                    "create_time": ExtendedDate.json(time),
                ])
            }
            // Rules of several types.
            func rule(_ type: String, _ doc: JSONObject) throws {
                var d = doc
                d.setFirst("_id", ObjectID.generate(at: time).json)
                try w.insertDocument(ofType: type, d)
                rules += 1
            }
            try rule("custom_attributes", [
                "name": "Linux hosts get the linux tag", "condition_typ": "all",
                "conditions": [["match_type": "tag", "tag_match": "equal", "tag": "os", "value_match": "equal", "value": "linux"]],
                "outcomes": [["attribute_name": "monitoring", "attribute_value": "linux-default"]],
                "last_match": false, "enabled": true, "sort_field": 1,
            ])
            try rule("custom_attributes", [
                "name": "Production hosts", "condition_typ": "any",
                "conditions": [["match_type": "tag", "tag_match": "equal", "tag": "env", "value_match": "equal", "value": "prod"]],
                "outcomes": [["attribute_name": "sla", "attribute_value": "24x7"]], "last_match": false, "enabled": true,
                "sort_field": 2,
            ])
            try rule("cmk_rules", [
                "name": "Agent timeout alerting", "condition_typ": "any", "conditions": [],
                "outcomes": [["ruleset": "checkgroup_parameters:agent_timeout", "folder": "/", "value_template": "{'levels': (30, 60)}"]],
                "enabled": true, "sort_field": 10,
            ])
            try rule("cmk_filter", ["name": "Hide cache labels", "condition_typ": "anyway", "conditions": [],
                                     "outcomes": [["action": "ignore_label", "attribute_name": "cache"]], "enabled": true, "sort_field": 0])
            try rule("netbox_devices", ["name": "Devices from CMDB", "condition_typ": "any", "conditions": [],
                                         "outcomes": [["action": "nb_device_type", "param": "{{role}}"]], "enabled": false, "sort_field": 0])
            try rule("ansible_customvars", ["name": "SSH user", "condition_typ": "anyway", "conditions": [],
                                             "outcomes": [["attribute_name": "ansible_user", "attribute_value": "deploy"]],
                                             "enabled": true, "sort_field": 0])
            try rule(RuleTypeCatalog.automation, [
                "name": "Per-site Checkmk folder", "rule_type": "cmk_rules", "object_filter": "auto",
                "rule_body": "{\"name\": \"site folder {{ cmk__site }}\", \"condition_typ\": \"any\", \"conditions\": [], \"outcomes\": [{\"folder\": \"/{{ cmk__site }}\"}], \"enabled\": true}",
                "enabled": true,
            ])
            try rule(RuleTypeCatalog.cronGroups, [
                "name": "nightly", "interval": "daily", "timerange_from": "1", "timerange_to": "3",
                "jobs": [["name": "backup", "command": "export_bundle", "account": "", "args": ["syncer-backup.json"], "timeout": 600]],
                "enabled": true, "run_once_next": false, "continue_on_error": false, "sort_field": 0,
            ])
            try rule(RuleTypeCatalog.cronGroups, [
                "name": "hourly import", "interval": "hour", "timerange_from": "0", "timerange_to": "24",
                "jobs": [["name": "autorules", "command": "run_autorules", "account": "", "args": [], "timeout": 300],
                         ["name": "cleanup", "command": "cleanup_stale_hosts", "account": "", "args": ["30d"], "timeout": 300]],
                "enabled": true, "run_once_next": false, "continue_on_error": true, "sort_field": 1,
            ])
            try rule(RuleTypeCatalog.cronGroups, [
                "name": "checkmk export", "interval": "10min", "timerange_from": "0", "timerange_to": "24",
                "jobs": [["name": "export", "command": "checkmk export_hosts", "account": "checkmk_prod", "args": [], "timeout": 300]],
                "enabled": false, "run_once_next": false, "continue_on_error": false, "sort_field": 2,
            ])
            var nightly = CronStats(group: "nightly")
            nightly.lastStart = time.addingTimeInterval(-20 * 3600)
            nightly.lastEnded = time.addingTimeInterval(-20 * 3600 + 42)
            nightly.nextRun = time.addingTimeInterval(4 * 3600)
            nightly.lastMessage = "backup: wrote /var/backups/syncer.json"
            try w.saveCronStats(nightly)
            var hourly = CronStats(group: "hourly import")
            hourly.lastStart = time.addingTimeInterval(-1800)
            hourly.lastEnded = time.addingTimeInterval(-1790)
            hourly.nextRun = time.addingTimeInterval(1800)
            hourly.lastMessage = "cleanup: connection to the import source timed out"
            hourly.failure = true
            try w.saveCronStats(hourly)
            // Users.
            let userSpecs: [(String, String, [String], Bool, Bool)] = [
                ("admin@example.org", "admin", ["all"], true, false),
                ("mcp@example.org", "mcp", ["mcp"], false, false),
                ("viewer@example.org", "viewer", ["objects"], false, true),
                ("ci-bot@example.org", "ci-bot", [], false, false),
            ]
            for (email, name, apiRoles, admin, readonly) in userSpecs {
                try w.insertDocument(ofType: RuleTypeCatalog.users, [
                    "_id": ObjectID.generate(at: time).json, "email": .string(email), "pwdhash": .string(hash),
                    "name": .string(name), "global_admin": .bool(admin), "roles": [], "api_roles": .strings(apiRoles),
                    "restrict_to_accounts": [], "restrict_to_templates": [], "api_tokens": [], "theme": "default",
                    "disabled": false, "readonly": .bool(readonly), "date_changed": ExtendedDate.json(time),
                    "date_password": ExtendedDate.json(time), "force_password_change": false,
                ])
            }
            // A little history.
            let history: [(Double, String, String, [LogEntry.Detail], Bool)] = [
                (-7200, "Imported 1240 hosts from csvimport", "csv", [.init("INFO", "added 12, updated 80")], false),
                (-5400, "Checkmk export finished", "checkmk", [.init("INFO", "24 hosts changed"), .init("WARNING", "3 hosts without folder")], false),
                (-1800, "Cron group 'hourly import' failed", "cron", [.init("ERROR", "connection to the import source timed out")], true),
                (-600, "Autorules created 6 rules", "autorules", [], false),
            ]
            for (offset, message, source, details, error) in history {
                try w.appendLog(LogEntry(time: time.addingTimeInterval(offset), message: message, source: source,
                                         details: details, hasError: error))
            }
            try record(w, principal, "Filled the database with demo data (\(count) hosts)")
        }
        return DemoData.Summary(hosts: count, objects: objects, accounts: 3, rules: rules, users: users)
    }
}
