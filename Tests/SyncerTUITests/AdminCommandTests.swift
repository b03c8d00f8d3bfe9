import Foundation
import Testing
import SyncerCore

/// Runs the built `syncer-tui` binary as scripts do: arguments, stdin, exit status,
/// stdout and stderr.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Binary {
    /// `SYNCER_BIN_DIR` if set, else the folder the test bundle was built into.
    static let folder: URL = {
        if let dir = ProcessInfo.processInfo.environment["SYNCER_BIN_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("syncer-tui").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }()

    static var syncerTUI: String { folder.appendingPathComponent("syncer-tui").path }
}

func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binary.syncerTUI)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                         stderr: String(decoding: stderrData, as: UTF8.self))
}

final class Scratch {
    let folder: URL
    var db: String { folder.appendingPathComponent("syncer.sqlite").path }
    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("syncer-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: folder) }
}

@Suite struct AdminCommandTests {
    @Test func userLifecycleThroughTheCommands() throws {
        let s = try Scratch()
        let add = try run(["--db", s.db, "user", "add", "ops@example.org", "--name", "Ops", "--api-role", "objects",
                           "--password-stdin"], stdin: "a good password\n")
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try run(["user", "grant", "ops@example.org", "mcp", "rules", "--db", s.db]).status == 0)
        #expect(try run(["user", "revoke", "ops@example.org", "objects", "--db", s.db]).status == 0)
        #expect(try run(["user", "readonly", "ops@example.org", "on", "--db", s.db]).status == 0)
        #expect(try run(["user", "disable", "ops@example.org", "--db", s.db]).status == 0)
        let list = try run(["user", "list", "--json", "--db", s.db])
        #expect(list.status == 0)
        let users = try #require(try JSONReader.parse(list.stdout).arrayValue)
        #expect(users == [[
            "email": "ops@example.org", "name": "Ops", "api_roles": ["mcp", "rules"], "roles": [],
            "global_admin": false, "disabled": true, "readonly": true,
        ]])
        #expect(!list.stdout.contains("scrypt"))
        // The password really is the one given on stdin.
        let syncer = try Syncer.open(database: s.db)
        try syncer.setDisabled(false, for: "ops@example.org", as: .localOperator(source: "test"))
        #expect(try syncer.authenticate(login: "Ops", password: "a good password").email == "ops@example.org")
        #expect(try syncer.recentLogs(limit: 10).allSatisfy { $0.user?.hasSuffix("@cli") == true || $0.user?.hasSuffix("@test") == true })
    }

    @Test func failuresPrintOneLineAndExitNonZero() throws {
        let s = try Scratch()
        let cases: [([String], String?)] = [
            (["user", "add", "x@example.org"], nil),  // no --password-stdin
            (["user", "add", "x@example.org", "--password-stdin"], "short\n"),
            (["user", "add", "nobody", "--password-stdin"], "long enough password\n"),
            (["user", "grant", "ghost@example.org", "mcp"], nil),
            (["user", "grant", "ghost@example.org", "superuser"], nil),
            (["hosts", "show", "ghost"], nil),
            (["cron", "trigger", "ghost"], nil),
            (["rules", "import", "/nonexistent/bundle.json"], nil),
            (["rules", "export", "--type", "made_up"], nil),
        ]
        for (args, stdin) in cases {
            let result = try run(["--db", s.db] + args, stdin: stdin)
            #expect(result.status != 0, "\(args)")
            #expect(result.stdout.isEmpty, "\(args)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(args): \(result.stderr)")
            #expect(result.stderr.hasPrefix("syncer-tui: error: "), "\(args): \(result.stderr)")
        }
        #expect(try Syncer.open(database: s.db).isEmpty())
    }

    @Test func demoFillsOnceAndListsHostsAsJSON() throws {
        let s = try Scratch()
        #expect(try run(["--db", s.db, "demo", "--hosts", "30"]).status == 0)
        let again = try run(["--db", s.db, "demo", "--hosts", "30"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("not empty"))
        let list = try run(["--db", s.db, "hosts", "list", "--limit", "5", "--json"])
        let hosts = try #require(try JSONReader.parse(list.stdout).arrayValue)
        #expect(hosts.count == 5)
        #expect(hosts[0].objectValue?.keys == ["hostname", "labels", "inventory", "last_seen", "last_update"])
        let show = try run(["--db", s.db, "hosts", "show", hosts[0]["hostname"]!.stringValue!, "--json"])
        #expect(try JSONReader.parse(show.stdout) == hosts[0])
        let cron = try run(["--db", s.db, "cron", "trigger", "nightly", "--json"])
        #expect(try JSONReader.parse(cron.stdout) == ["status": "triggered", "group": "nightly"])
        let status = try JSONReader.parse(try run(["--db", s.db, "cron", "status", "--json"]).stdout)
        #expect(status.arrayValue?.first?["run_once_next"] == true)
    }

    @Test func rulesExportImportAndPreview() throws {
        let s = try Scratch()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/cmdbsyncer-4.4-export.json").path
        let preview = try run(["--db", s.db, "rules", "import", fixture, "--preview", "--json"])
        #expect(try JSONReader.parse(preview.stdout)["total"] == 11)
        #expect(try Syncer.open(database: s.db).isEmpty())
        #expect(try run(["--db", s.db, "rules", "import", fixture]).status == 0)
        let out = s.folder.appendingPathComponent("bundle.json").path
        let export = try run(["--db", s.db, "rules", "export", "--include-hosts", "--include-accounts", "--include-users", "-o", out])
        #expect(export.status == 0)
        #expect(try JSONReader.parse(try Data(contentsOf: URL(fileURLWithPath: out)))["rules"]
                == (try JSONReader.parse(try Data(contentsOf: URL(fileURLWithPath: fixture))))["rules"])
        let onlyCron = try JSONReader.parse(try run(["--db", s.db, "rules", "export", "--type", "cron_groups"]).stdout)
        #expect(onlyCron["rules"]?.objectValue?.keys == ["cron_groups"])
    }

    @Test func cronRunExecutesDueGroupsAndTheDaemonStopsOnSIGTERM() throws {
        let s = try Scratch()
        func group(_ name: String, _ argv: [String]) -> JSONValue {
            ["name": .string(name), "interval": "10min", "timerange_from": "0", "timerange_to": "24", "enabled": true,
             "run_once_next": false, "continue_on_error": false,
             "jobs": [["name": "job", "command": "exec", "account": "", "args": .strings(argv), "timeout": 30]]]
        }
        let bundle: JSONValue = ["rules": ["cron_groups": [group("ping", ["echo", "pong"]), group("broken", ["false"])]]]
        // exec runs only programs in the runner's jobs folder: wrappers around /bin/echo and /bin/false.
        let jobs = s.folder.appendingPathComponent("jobs")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        for name in ["echo", "false"] {
            let script = jobs.appendingPathComponent(name).path
            try "#!/bin/sh\nexec /bin/\(name) \"$@\"\n".write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
        }
        let path = s.folder.appendingPathComponent("cron.json").path
        try bundle.compactText.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try run(["--db", s.db, "rules", "import", path]).status == 0)

        // One pass: both groups are due; one fails, so the exit status is 1.
        let first = try run(["--db", s.db, "cron", "run", "--json", "--jobs-dir", jobs.path])
        #expect(first.status == 1)
        let report = try JSONReader.parse(first.stdout)
        #expect(report["ran"]?.arrayValue?.map { $0["group"]!.stringValue! } == ["ping", "broken"])
        let ran = report["ran"]?.arrayValue ?? []
        #expect(ran.first?["jobs"]?.arrayValue?.first?["message"]?.stringValue?.contains("pong") == true)
        #expect(ran.last?["status"] == "failed")
        let idle = try run(["--db", s.db, "cron", "run"])
        #expect(idle.status == 0 && idle.stdout.contains("No cron group is due"))
        #expect(try run(["--db", s.db, "cron", "run", "--group", "ghost"]).status == 1)

        // The daemon runs a triggered group on its next tick and stops cleanly on SIGTERM.
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: Binary.syncerTUI)
        daemon.arguments = ["--db", s.db, "cron", "run", "--daemon", "--every", "1", "--jobs-dir", jobs.path]
        let err = Pipe()
        daemon.standardError = err
        daemon.standardOutput = FileHandle.nullDevice
        try daemon.run()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try run(["--db", s.db, "cron", "trigger", "ping"]).status == 0)
        let deadline = Date().addingTimeInterval(15)
        var triggeredRan = false
        while Date() < deadline, !triggeredRan {
            Thread.sleep(forTimeInterval: 0.2)
            let status = try JSONReader.parse(try run(["--db", s.db, "cron", "status", "--json"]).stdout)
            triggeredRan = status.arrayValue?.first { $0["name"] == "ping" }?["run_once_next"] == false
        }
        #expect(triggeredRan)
        daemon.terminate()
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("cron runner stopped"))
    }

    /// Two processes importing into one SQLite file at once: every document lands once,
    /// every process succeeds (no "database is locked").
    @Test func concurrentProcessesLoseNoWrite() throws {
        let s = try Scratch()
        #expect(try run(["--db", s.db, "demo", "--hosts", "0"]).status == 0)
        var files: [String] = []
        for p in 0..<6 {
            let docs = (0..<100).map { i -> JSONValue in ["name": .string("rule-\(p)-\(i)"), "enabled": true] }
            // Every file also carries the same shared rule: exactly one import may add it.
            let bundle: JSONValue = ["rule_type": "cmk_tags", "rules": .array(docs + [["_id": ["$oid": "0123456789abcdef01234567"], "name": "shared"]])]
            let path = s.folder.appendingPathComponent("b\(p).json").path
            try bundle.compactText.write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let results = NSLock()
        var outcomes: [CommandResult] = []
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let result = try? run(["--db", s.db, "rules", "import", files[i], "--json"])
            results.lock(); outcomes.append(result ?? CommandResult(status: -1, stdout: "", stderr: "spawn failed")); results.unlock()
        }
        #expect(outcomes.allSatisfy { $0.status == 0 }, "\(outcomes.map(\.stderr))")
        let added = outcomes.compactMap { try? JSONReader.parse($0.stdout)["added"]?["cmk_tags"]?.intValue }.reduce(0, +)
        #expect(added == 601)
        let syncer = try Syncer.open(database: s.db)
        #expect(try syncer.exportRules(ofType: "cmk_tags", as: .localOperator(source: "test")).count == 601)
    }
}
