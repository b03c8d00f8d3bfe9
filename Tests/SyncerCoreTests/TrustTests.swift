import Foundation
import Testing
@testable import SyncerCore

/// DESIGN.md "Trust boundaries": what an `mcp` user (no `all`) can and cannot make the
/// syncer do. Each test is one attack from the review; they run on a real SQLite file.
@Suite struct TrustTests {
    static func cronGroup(_ name: String, _ command: String, _ args: [String]) -> JSONObject {
        ["name": .string(name), "interval": "hour", "timerange_from": "0", "timerange_to": "24", "enabled": true,
         "run_once_next": true, "continue_on_error": false,
         "jobs": [["name": "job", "command": .string(command), "account": "", "args": .strings(args), "timeout": 5]]]
    }

    @Test func onlyAllMayCreateOrChangeCronGroupsThatReachTheMachine() throws {
        let db = try TestDatabase()
        for (command, args) in [("exec", ["/bin/sh", "-c", "id > /tmp/x"]), ("export_bundle", ["x.json"])] {
            #expect(throws: SyncerError.self) {
                try db.syncer.createRule(ofType: "cron_groups", Self.cronGroup("evil", command, args), as: mcpUser)
            }
            #expect(throws: SyncerError.self) {
                try db.syncer.importBundle(.object(["rules": ["cron_groups": [.object(Self.cronGroup("evil", command, args))]]]),
                                           as: mcpUser)
            }
        }
        #expect(try db.syncer.cronStatus().isEmpty)
        // Groups of built-in data jobs stay the mcp user's to make.
        #expect(try db.syncer.createRule(ofType: "cron_groups", Self.cronGroup("tidy", "cleanup_stale_hosts", ["30d"]),
                                         as: mcpUser).status == "imported")
        // An admin's exec group cannot be changed (or disabled, or emptied) without `all`.
        #expect(try db.syncer.createRule(ofType: "cron_groups", Self.cronGroup("sync", "exec", ["sync.sh"]), as: admin).status == "imported")
        var replaced = Self.cronGroup("sync", "run_autorules", [])
        replaced["enabled"] = false
        #expect(throws: SyncerError.self) { try db.syncer.createRule(ofType: "cron_groups", replaced, override: true, as: mcpUser) }
        #expect(try db.syncer.createRule(ofType: "cron_groups", replaced, override: true, as: admin).status == "imported")
        // Triggering stays an mcp right.
        #expect(try db.syncer.triggerCronGroup("tidy", as: mcpUser).status == "triggered")
    }

    @Test func execRunsOnlyProgramsInsideTheJobsFolder() throws {
        let db = try TestDatabase()
        let jobs = db.folder.appendingPathComponent("jobs")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        let ok = jobs.appendingPathComponent("hello").path
        try "#!/bin/sh\necho hi\n".write(toFile: ok, atomically: true, encoding: .utf8)
        chmod(ok, 0o755)
        symlink("/bin/sh", jobs.appendingPathComponent("shell").path)
        let marker = db.folder.appendingPathComponent("pwned").path
        for (name, args) in [("abs", ["/bin/sh", "-c", "touch \(marker)"]), ("dots", ["../../../../bin/sh", "-c", "touch \(marker)"]),
                             ("link", ["shell", "-c", "touch \(marker)"]), ("path", ["sh", "-c", "touch \(marker)"]),
                             ("ok", ["hello"])] {
            _ = try db.syncer.createRule(ofType: "cron_groups", Self.cronGroup(name, "exec", args), as: admin)
        }
        // No folder: every exec job fails and names the flag.
        let off = try db.syncer.runCronPass(.init(groups: ["ok"]), as: admin).ran[0]
        #expect(off.status == .failed && off.jobs[0].message.contains("--jobs-dir"))
        let report = try db.syncer.runCronPass(.init(groups: ["abs", "dots", "link", "path", "ok"], jobsDirectory: jobs.path), as: admin)
        let byName = Dictionary(uniqueKeysWithValues: report.ran.map { ($0.group, $0) })
        for name in ["abs", "dots", "link", "path"] { #expect(byName[name]?.status == .failed, "\(name)") }
        #expect(byName["link"]?.jobs[0].message.contains("outside the jobs folder") == true)
        #expect(byName["ok"]?.status == .ok && byName["ok"]?.jobs[0].message.contains("hi") == true)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func exportBundleWritesOnlyPlainNamesInTheExportFolder() throws {
        let db = try TestDatabase()
        let key = db.path + ".key"
        _ = try db.syncer.cipher()  // the key file exists now
        let keyBefore = try String(contentsOfFile: key, encoding: .utf8)
        let names = ["syncer.sqlite.key", "syncer.sqlite", "syncer.sqlite-wal", "../escape.json", "/tmp/abs.json", ".hidden", ""]
        for (i, name) in names.enumerated() {
            _ = try db.syncer.createRule(ofType: "cron_groups", Self.cronGroup("g\(i)", "export_bundle", [name]), as: admin)
        }
        _ = try db.syncer.createRule(ofType: "cron_groups", Self.cronGroup("good", "export_bundle", ["backup.json"]), as: admin)
        let noFolder = try db.syncer.runCronPass(.init(groups: ["good"]), as: admin).ran[0]
        #expect(noFolder.status == .failed && noFolder.jobs[0].message.contains("--export-dir"))
        let report = try db.syncer.runCronPass(.init(groups: (0..<names.count).map { "g\($0)" } + ["good"], exportDirectory: db.folder.path),
                                               as: admin)
        for run in report.ran where run.group != "good" { #expect(run.status == .failed, "\(run.group): \(run.jobs)") }
        #expect(report.ran.first { $0.group == "good" }?.status == .ok)
        #expect(try String(contentsOfFile: key, encoding: .utf8) == keyBefore)
        #expect(try SQLiteStore(path: db.path).integrityCheck() == "ok")
        #expect(FileManager.default.fileExists(atPath: db.folder.appendingPathComponent("backup.json").path))
        #expect(!FileManager.default.fileExists(atPath: db.folder.deletingLastPathComponent().appendingPathComponent("escape.json").path))
    }

    @Test func accountsWithPasswordsCannotBeRepointedWithoutAll() throws {
        let db = try TestDatabase(environment: ["CMDBSYNCER_CRYPTOGRAPHY_KEY": FernetTests.key])
        _ = try db.syncer.addAccount(name: "cmk", type: "cmkv2", address: "https://cmk.internal", username: "automation",
                                     password: "s3cret", as: admin)
        _ = try db.syncer.addAccount(name: "csv", type: "csv", as: admin)
        let stored = try #require(try db.syncer.exportRules(ofType: "accounts", as: admin).first)
        var moved = stored
        moved["address"] = "https://attacker.example"
        #expect(throws: SyncerError.self) { try db.syncer.createRule(ofType: "accounts", moved, override: true, as: mcpUser) }
        for key in ["username", "typ", "name"] {
            var changed = stored
            changed[key] = "other"
            #expect(throws: SyncerError.self) { try db.syncer.createRule(ofType: "accounts", changed, override: true, as: mcpUser) }
        }
        // A child under it would inherit its password.
        let child: JSONObject = ["name": "leech", "typ": "cmkv2", "is_child": true, "parent": .string(stored["_id"]!["$oid"]!.stringValue!),
                                 "address": "https://attacker.example"]
        #expect(throws: SyncerError.self) { try db.syncer.createRule(ofType: "accounts", child, as: mcpUser) }
        var byName = child
        byName["parent"] = "cmk"
        #expect(throws: SyncerError.self) { try db.syncer.importBundle(.object(["rules": ["accounts": [.object(byName)]]]), as: mcpUser) }
        #expect(try db.syncer.resolvedAccount(named: "cmk", as: admin, revealPassword: true)["address"] == "https://cmk.internal")
        // What does not redirect the secret stays open: switching it off, accounts without a password.
        var disabled = stored
        disabled["enabled"] = false
        #expect(try db.syncer.createRule(ofType: "accounts", disabled, override: true, as: mcpUser).status == "imported")
        #expect(try db.syncer.resolvedAccount(named: "cmk", as: admin, revealPassword: true)["password"] == "s3cret")
        var csv = try #require(try db.syncer.exportRules(ofType: "accounts", as: admin).last)
        csv["address"] = "/srv/import.csv"
        #expect(try db.syncer.createRule(ofType: "accounts", csv, override: true, as: mcpUser).status == "imported")
        #expect(try db.syncer.createRule(ofType: "accounts", ["name": "kid", "typ": "csv", "is_child": true, "parent": "csv"],
                                         as: mcpUser).status == "imported")
        // With `all` the operator may repoint.
        #expect(try db.syncer.createRule(ofType: "accounts", moved, override: true, as: admin).status == "imported")
    }

    @Test func everySecretFieldIsRedactedAndCheckmkPasswordsAreEncrypted() throws {
        let db = try TestDatabase(environment: ["CMDBSYNCER_CRYPTOGRAPHY_KEY": FernetTests.key])
        _ = try db.syncer.importBundle(try json("""
            {"rules": {
              "cmk_passwords": [{"name": "cmk-secret", "title": "t", "password": "clear-text", "owner": "admin"}],
              "cron_groups": [{"name": "hook", "interval": "hour", "jobs": [], "webhook_token": "hook-token"}],
              "cmk_sites": [{"name": "site", "cmk_secret": "site-secret", "settings": {"password": "nested"}}],
              "users": [{"email": "t@example.org", "pwdhash": "pbkdf2:sha256:1$a$b", "tfa_secret": "TOTP",
                         "api_tokens": [{"token_id": "1", "token_hash": "abcd", "label": "x", "prefix": "cmdb_pat_AB"}]}]
            }}
            """), as: admin)
        let stored = try db.syncer.exportRules(ofType: "cmk_passwords", as: admin)[0]
        #expect(stored["password"] == nil && stored["password_crypted"]?.stringValue?.hasPrefix("gAAAAA") == true)
        let raw = try db.syncer.store.read { try $0.documents(ofType: "cmk_passwords", afterSeq: 0, limit: 10) }
        #expect(!JSONValue.object(raw[0].document).compactText.contains("clear-text"))

        let bundle = try db.syncer.exportBundle(ExportOptions(includeUsers: true, includePasswords: true), as: mcpUser).compactText
        for secret in ["gAAAAA", "hook-token", "site-secret", "nested", "pbkdf2", "TOTP", "abcd"] {
            #expect(!bundle.contains(secret), "\(secret) leaked")
        }
        #expect(bundle.contains("cmdb_pat_AB"))  // the token's public prefix is not a secret
        // A redacted round trip keeps the secrets.
        _ = try db.syncer.importBundle(try JSONReader.parse(bundle), override: true, as: admin)
        let again = try db.syncer.exportBundle(ExportOptions(includePasswords: true), as: admin).compactText
        #expect(again.contains("hook-token") && again.contains("site-secret") && again.contains("gAAAAA"))
    }

    @Test func hostDataCannotAddFieldsToAnAutorule() throws {
        let db = try TestDatabase()
        try db.syncer.addAccount(name: "csv", type: "csv", as: admin)
        let injected = #"x", "enabled": true, "jobs": [{"command": "exec"}], "z": ""#
        _ = try db.syncer.upsertHost(hostname: "h1", account: "csv", labels: ["site": .string(injected), "n": "1"], as: mcpUser)
        _ = try db.syncer.createRule(ofType: "syncer_rule_automation", [
            "name": "folder", "rule_type": "cmk_rules", "enabled": true,
            "rule_body": #"{"name": "r-{{ HOSTNAME }}", "folder": "/{{ site }}", "count": {{ n }}}"#,
        ], as: mcpUser)
        let report = try db.syncer.runAutorules(as: mcpUser)
        #expect(report.created == 1, "\(report.problems)")
        let rule = try db.syncer.exportRules(ofType: "cmk_rules", as: admin)[0]
        #expect(rule["folder"] == .string("/" + injected))
        #expect(Set(rule.keys) == ["_id", "name", "folder", "count"])

        // Outside quotes the escaped quote is no JSON at all: skipped, never a new field.
        _ = try db.syncer.upsertHost(hostname: "h2", account: "csv", labels: ["n": #"1, "enabled": false"#], as: mcpUser)
        let second = try db.syncer.runAutorules(as: mcpUser)
        #expect(second.created == 0 && second.problems.contains { $0.contains("h2") })
        // A template that writes a key twice is refused, not "last one wins".
        _ = try db.syncer.createRule(ofType: "syncer_rule_automation", [
            "name": "twice", "rule_type": "cmk_rules", "enabled": true,
            "rule_body": #"{"name": "t-{{ HOSTNAME }}", "enabled": false, "enabled": true}"#,
        ], as: admin)
        let third = try db.syncer.runAutorules(debug: true, as: admin)
        #expect(third.wouldCreate == [] && third.problems.contains { $0.contains("duplicate key 'enabled'") })
    }

    @Test func autorulesCannotMakeCronGroupsUsersAccountsOrHosts() throws {
        let db = try TestDatabase()
        try db.syncer.addAccount(name: "csv", type: "csv", as: admin)
        _ = try db.syncer.upsertHost(hostname: "h1", account: "csv", labels: [:], as: admin)
        for type in ["cron_groups", "users", "accounts", "host_objects", "cmdb_templates", "syncer_rule_automation"] {
            _ = try db.syncer.createRule(ofType: "syncer_rule_automation", [
                "name": .string("to-\(type)"), "rule_type": .string(type), "enabled": true,
                "rule_body": #"{"name": "x-{{ HOSTNAME }}", "email": "a@b.c", "hostname": "y", "jobs": []}"#,
            ], as: admin)
        }
        let report = try db.syncer.runAutorules(as: admin)
        #expect(report.created == 0)
        #expect(report.problems.count == 6)
        #expect(try db.syncer.cronStatus().isEmpty)
    }

    @Test func templatesAreBoundedInSizeNestingLoopsAndFilters() throws {
        let db = try TestDatabase()
        try db.syncer.addAccount(name: "csv", type: "csv", as: admin)
        _ = try db.syncer.upsertHost(hostname: "h1", account: "csv", labels: ["a": "1"], as: admin)
        func automation(_ name: String, _ body: String) -> JSONObject {
            ["name": .string(name), "rule_type": "cmk_rules", "enabled": true, "rule_body": .string(body)]
        }
        let deep = String(repeating: "{% if a %}", count: 20_000) + "x" + String(repeating: "{% endif %}", count: 20_000)
        let refused = [
            deep,
            String(repeating: "{% if a %}", count: 17) + String(repeating: "{% endif %}", count: 17),
            String(repeating: "x", count: 70_000),
            "{% include 'x' %}",
            "{% if " + String(repeating: "not ", count: 200) + "a %}{% endif %}",
            #"{"name": "{% for i in 1...1000000000 %}{{ i }}{% endfor %}"}"#,
            "{{ 1...1000000000 }}",
        ]
        for (i, body) in refused.enumerated() {
            #expect(try db.syncer.createRule(ofType: "syncer_rule_automation", automation("bad\(i)", body), as: mcpUser).status == "invalid",
                    "template \(i)")
        }
        // Stored anyway (an older bundle written straight into the store): skipped at run time.
        try db.syncer.store.write { w in
            var doc = automation("deep", deep)
            doc["_id"] = ObjectID.generate().json
            try w.insertDocument(ofType: "syncer_rule_automation", doc)
        }
        // Host data an mcp user controls: a list of 200 in the inventory, looped three deep.
        _ = try db.syncer.updateHostInventory(hostname: "h1", key: "k", inventory: ["list": .array((0..<200).map { .int($0) })],
                                              as: mcpUser)
        let loops = [
            #"{"name": "{% for i in k__list %}{% for j in k__list %}{% for l in k__list %}x{% endfor %}{% endfor %}{% endfor %}"}"#,
            #"{"name": "{{ a|indent:100000000 }}"}"#,
        ]
        for (i, body) in loops.enumerated() {
            #expect(try db.syncer.createRule(ofType: "syncer_rule_automation", automation("loop\(i)", body), as: mcpUser).status == "imported")
        }
        let clock = ContinuousClock()
        let start = clock.now
        let report = try db.syncer.runAutorules(debug: true, as: readonlyUser)
        #expect(clock.now - start < .seconds(5))
        #expect(report.wouldCreate == [])
        #expect(report.problems.contains { $0.contains("'deep'") && $0.contains("at most 65536 are allowed") })
        // Whichever bound is hit first: under a sanitizer the deadline comes before the count.
        #expect(report.problems.contains { $0.contains("loops more than") || $0.contains("rendering took longer") })
        #expect(report.problems.contains { $0.contains("indent") })
        // Loops within the bounds work as Stencil's do.
        _ = try db.syncer.updateHostInventory(hostname: "h1", key: "k", inventory: ["list": [1, 2, 3]], as: admin)
        try db.syncer.store.write { w in
            for doc in try w.documents(ofType: "syncer_rule_automation", afterSeq: 0, limit: 100) {
                try w.deleteDocument(ofType: "syncer_rule_automation", id: ObjectID(json: doc.document["_id"]!)!)
            }
        }
        _ = try db.syncer.createRule(ofType: "syncer_rule_automation", automation("ok", #"{"name": "{% for i in k__list %}{{ i }}{% if not forloop.last %}-{% endif %}{% endfor %}"}"#), as: admin)
        let fine = try db.syncer.runAutorules(debug: true, as: admin)
        #expect(fine.wouldCreate == ["1-2-3"], "\(fine.problems)")
    }

    @Test func duplicateKeysAreRefusedEverywhere() throws {
        #expect(throws: JSONParseError.self) { try JSONReader.parse(#"{"a": 1, "b": 2, "a": 3}"#) }
        let db = try TestDatabase()
        let file = db.folder.appendingPathComponent("dup.json")
        try #"{"rules": {"cmk_rules": [{"name": "x", "enabled": false, "enabled": true}]}}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: SyncerError.self) { try db.syncer.importBundle(file: file.path, as: admin) }
        try #"{"rules": {"cmk_rules": [{"name": "x"}], "cmk_rules": [{"name": "y"}]}}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: SyncerError.self) { try db.syncer.importBundle(file: file.path, as: admin) }
        #expect(try db.syncer.exportRules(ofType: "cmk_rules", as: admin).isEmpty)
    }

    @Test func restrictedUsersSeeAndWriteOnlyTheirAccounts() throws {
        let db = try TestDatabase()
        for name in ["mine", "theirs"] { try db.syncer.addAccount(name: name, type: "csv", as: admin) }
        for i in 0..<3 {
            _ = try db.syncer.upsertHost(hostname: "m\(i)", account: "mine", labels: [:], as: admin)
            _ = try db.syncer.upsertHost(hostname: "t\(i)", account: "theirs", labels: [:], as: admin)
        }
        var scoped = mcpUser
        scoped.accountScope = ["mine"]
        let page = try db.syncer.listHosts(as: scoped)
        #expect(page.size == 3 && page.hosts.map(\.hostname) == ["m0", "m1", "m2"])
        #expect(try db.syncer.hostStats(as: scoped).hosts == 3)
        #expect(throws: SyncerError.notFound(kind: "host", name: "t0")) { try db.syncer.host(named: "t0", as: scoped) }
        #expect(try db.syncer.deleteHost(hostname: "t0", as: scoped).status == "not_found")
        #expect(try db.syncer.updateHostInventory(hostname: "t1", key: "k", inventory: ["a": 1], as: scoped).status == "not_found")
        #expect(throws: SyncerError.self) { try db.syncer.upsertHost(hostname: "new", account: "theirs", labels: [:], as: scoped) }
        #expect(try db.syncer.upsertHost(hostname: "new", account: "mine", labels: [:], as: scoped).status == "saved")
        #expect(try db.syncer.listAccounts(as: scoped).map(\.name) == ["mine"])
        #expect(throws: SyncerError.self) { try db.syncer.resolvedAccount(named: "theirs", as: scoped, revealPassword: false) }
        #expect(try db.syncer.hostnames(withPrefix: "", as: scoped) == ["m0", "m1", "m2", "new"])
        let exported = try db.syncer.exportRules(ofType: "host_objects", as: scoped).compactMap { $0["hostname"]?.stringValue }
        #expect(exported == ["m0", "m1", "m2", "new"])
        var foreign = try #require(try db.syncer.exportRules(ofType: "host_objects", as: admin).first { $0["hostname"] == "t2" })
        foreign["labels"] = ["owned": "yes"]
        #expect(throws: SyncerError.self) {
            try db.syncer.importBundle(.object(["rules": ["host_objects": [.object(foreign)]]]), override: true, as: scoped)
        }
        #expect(try db.syncer.host(named: "t2", as: admin).labels.isEmpty)
        #expect(try db.syncer.listHosts(as: admin).size == 7)
    }

    @Test func restrictionComesFromTheUserRecord() throws {
        let user = User(document: ["email": "a@b.c", "api_roles": ["mcp"], "restrict_to_accounts": ["x", ""]])
        #expect(Principal(user: user, source: "mcp").accountScope == ["x"])
        let open = User(document: ["email": "a@b.c", "api_roles": ["mcp"], "restrict_to_accounts": []])
        #expect(Principal(user: open, source: "mcp").accountScope == nil)
    }
}
