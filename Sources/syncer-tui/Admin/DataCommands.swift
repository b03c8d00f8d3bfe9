import ArgumentParser
import Foundation
import SyncerCore

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Export and import rule bundles (CMDBsyncer 4.x format).",
        subcommands: [Export.self, Import.self, Types.self]
    )

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export rules as a bundle to a file or stdout.",
            discussion: "Hosts, accounts and users are left out unless asked for. The file is written whole or not at all.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("type"), help: ArgumentHelp("Only this rule type; repeat for several.", valueName: "rule-type"))
        var types: [String] = []
        @Flag(name: .customLong("include-hosts"), help: "Include host_objects.") var includeHosts = false
        @Flag(name: .customLong("include-accounts"), help: "Include accounts (passwords stay encrypted).") var includeAccounts = false
        @Flag(name: .customLong("include-users"), help: "Include users (with password hashes).") var includeUsers = false
        @Flag(name: .customLong("include-passwords"), help: "Include the Checkmk password store (cmk_passwords).")
        var includePasswords = false
        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
        var output: String?

        func run() throws {
            let syncer = try global.open()
            let options = ExportOptions(types: types.isEmpty ? nil : types, includeHosts: includeHosts,
                                        includeAccounts: includeAccounts, includeUsers: includeUsers,
                                        includePasswords: includePasswords)
            if let output {
                let summary = try report { try syncer.writeBundle(options, to: output, as: cliPrincipal) }
                FileHandle.standardError.write(Data("Wrote \(summary.total) documents of \(summary.counts.count) rule types to \(TerminalText.escaped(output))\n".utf8))
            } else {
                print(try report { try syncer.exportBundle(options, as: cliPrincipal) }.terminalText)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a bundle file; all of it or, on any error, nothing.",
            discussion: "Accepts the JSON export of CMDBsyncer 4.x (or ours) and CMDBsyncer's JSONL export.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The bundle file.") var file: String
        @Flag(help: "Replace documents with the same _id or unique name instead of counting them as duplicates.")
        var override = false
        @Flag(help: "Show what would be added, replaced and skipped without writing anything.")
        var preview = false

        func run() throws {
            let syncer = try global.open()
            let result = try report { try syncer.importBundle(file: file, override: override, preview: preview, as: cliPrincipal) }
            if output.json { printJSON(result.json); return }
            let types = Set(result.added.keys).union(result.replaced.keys).union(result.duplicates.keys).union(result.skipped.keys)
            print(table(["RULE TYPE", "ADDED", "REPLACED", "DUPLICATE", "SKIPPED (UNKNOWN TYPE)"], types.sorted().map {
                [$0, "\(result.added[$0] ?? 0)", "\(result.replaced[$0] ?? 0)", "\(result.duplicates[$0] ?? 0)", "\(result.skipped[$0] ?? 0)"]
            }))
            print(preview ? "Preview only: nothing was written (\(result.total) documents would be imported)."
                          : "Imported \(result.total) documents.")
        }
    }

    struct Types: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rule types and how many documents each holds.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let syncer = try global.open()
            let counts = try report { try syncer.ruleTypeCounts() }
            if output.json {
                printJSON(.object(JSONObject(counts.map { ($0.type, .int($0.count)) })))
            } else {
                print(table(["RULE TYPE", "DOCUMENTS"], counts.map { [$0.type, "\($0.count)"] }))
            }
        }
    }
}

struct HostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts", abstract: "List and show hosts.", subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List hosts (not objects), paged.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Words match the hostname, key=value matches a label.") var filter: String?
        @Option(help: "Skip this many hosts.") var start = 0
        @Option(help: "At most this many hosts (1-1000).") var limit = 100

        func run() throws {
            let syncer = try global.open()
            let hosts: [HostObject] = try report {
                if let filter {
                    try syncer.browseHosts(HostFilter.parse(filter), offset: start, limit: limit)
                } else {
                    try syncer.listHosts(start: start, limit: limit, as: cliPrincipal).hosts
                }
            }
            if output.json { printJSON(.array(hosts.map(\.summary))); return }
            print(table(["HOSTNAME", "ACCOUNT", "LAST SEEN", "LABELS"], hosts.map { host in
                [host.hostname, host.sourceAccountName ?? "-", host.lastImportSeen.map { ExtendedDate.iso($0) } ?? "-",
                 host.labels.map { "\($0.key)=\($0.value.stringValue ?? $0.value.compactText)" }.joined(separator: " ")]
            }))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one host: labels, inventory, account, times.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The hostname.") var hostname: String

        func run() throws {
            let syncer = try global.open()
            let host = try report { try syncer.host(named: hostname, as: cliPrincipal) }
            if output.json { printJSON(host.summary); return }
            printText("hostname:   \(host.hostname)")
            printText("account:    \(host.sourceAccountName ?? "-")")
            printText("last seen:  \(host.lastImportSeen.map { ExtendedDate.iso($0) } ?? "-")")
            printText("last sync:  \(host.lastImportSync.map { ExtendedDate.iso($0) } ?? "-")")
            printText("labels:")
            for (k, v) in host.labels { printText("  \(k) = \(v.stringValue ?? v.compactText)") }
            printText("inventory:")
            for (k, v) in host.inventory { printText("  \(k) = \(v.stringValue ?? v.compactText)") }
        }
    }
}

struct CronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron", abstract: "Cron group status and triggers.", subcommands: [Status.self, Trigger.self, Run.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every cron group and its last run.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let syncer = try global.open()
            let groups = try report { try syncer.cronStatus() }
            if output.json { printJSON(.array(groups.map(\.json))); return }
            print(table(["GROUP", "INTERVAL", "ENABLED", "LAST START", "NEXT RUN", "STATE", "LAST MESSAGE"], groups.map { g in
                [g.name, g.interval, g.enabled ? "yes" : "no", g.stats.lastStart.map { ExtendedDate.iso($0) } ?? "-",
                 g.runOnceNext ? "next pass" : (g.stats.nextRun.map { ExtendedDate.iso($0) } ?? "-"),
                 g.stats.isRunning ? "running" : (g.stats.failure ? "error" : "ok"), g.stats.lastMessage ?? ""]
            }))
        }
    }

    struct Trigger: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a cron group on the next cron pass.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The group's name.") var group: String

        func run() throws {
            let syncer = try global.open()
            let result = try report { try syncer.triggerCronGroup(group, as: cliPrincipal) }
            if output.json { printJSON(result.json); return }
            if result.status == "disabled" {
                printError("cron group '\(group)' is disabled; enable it before triggering")
                throw ExitCode(1)
            }
            printText("Cron group '\(group)' will run on the next cron pass.")
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the cron groups that are due (or the named ones) now.",
            discussion: """
                Runs each due group's jobs in order and records the run (cron status, the log). With --daemon it \
                keeps going, starting a pass every --every seconds until SIGTERM or SIGINT, which end it after the \
                job that is running (an exec child gets SIGTERM). One runner per database at a time. Exit status 1 \
                when a group failed.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Keep running and start groups when they are due.") var daemon = false
        @Option(help: "With --daemon: seconds between passes.") var every: Int = 60
        @Option(name: .customLong("group"), help: "Run this group now, due or not (repeatable).") var groups: [String] = []
        @Option(name: .customLong("jobs-dir"), help: ArgumentHelp(
            "exec jobs may run only the programs in this folder (default: CMDBSYNCER_CRON_JOBS_DIR; none: exec jobs fail).",
            valueName: "dir")) var jobsDirectory: String?
        @Option(name: .customLong("export-dir"), help: ArgumentHelp(
            "export_bundle jobs write only file names inside this folder (default: CMDBSYNCER_CRON_EXPORT_DIR; none: they fail).",
            valueName: "dir")) var exportDirectory: String?

        func run() throws {
            guard every >= 1 else { printError("--every must be at least 1 second"); throw ExitCode(1) }
            let environment = ProcessInfo.processInfo.environment
            func folder(_ flag: String?, _ variable: String) -> String? {
                flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
            }
            let syncer = try global.open()
            let principal = Principal.localOperator(source: "cron")
            let stop = CronStopFlag()
            let signals = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { stop.request() }
                source.resume()
                return source
            }
            defer { signals.forEach { $0.cancel() } }
            let options = CronPassOptions(
                groups: groups.isEmpty ? nil : groups, stop: stop,
                jobsDirectory: folder(jobsDirectory, CronPassOptions.jobsDirectoryVariable),
                exportDirectory: folder(exportDirectory, CronPassOptions.exportDirectoryVariable))

            guard daemon else {
                let result = try report { try syncer.runCronPass(options, as: principal) }
                show(result)
                if result.ran.contains(where: { $0.status != .ok }) { throw ExitCode(1) }
                return
            }
            FileHandle.standardError.write(Data("syncer-tui: cron runner started, a pass every \(every) s\n".utf8))
            while !stop.isRequested {
                do { show(try syncer.runCronPass(options, as: principal)) } catch let error as SyncerError {
                    // Another runner, a locked database: say so and try on the next tick.
                    printError(error.description)
                }
                let wake = Date().addingTimeInterval(TimeInterval(every))
                while !stop.isRequested, Date() < wake { Thread.sleep(forTimeInterval: 0.2) }
            }
            FileHandle.standardError.write(Data("syncer-tui: cron runner stopped\n".utf8))
        }

        private func show(_ result: CronPassReport) {
            if output.json { printJSON(result.json); return }
            for name in result.recovered { printText("\(name): reset, its previous run was interrupted") }
            if result.ran.isEmpty, !daemon { print("No cron group is due.") }
            for run in result.ran {
                printText("\(run.group): \(run.status.rawValue) (\(run.jobs.count) job(s), next run \(run.nextRun.map { ExtendedDate.iso($0) } ?? "next pass"))")
                for job in run.jobs { printText("  \(job.name) [\(job.command)]: \(job.status.rawValue): \(job.message)") }
            }
            fflush(stdout)
        }
    }
}

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fill an empty database with sample data.",
        discussion: "Every demo user logs in with the password '\(DemoData.password)'.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "How many hosts to create.") var hosts = 500
    @Flag(help: "Add demo data even if the database is not empty.") var force = false

    func run() throws {
        let syncer = try global.open()
        let summary = try report { try syncer.fillDemo(hosts: hosts, force: force, as: cliPrincipal) }
        if output.json { printJSON(summary.json); return }
        printText("Created \(summary.hosts) hosts, \(summary.objects) objects, \(summary.accounts) accounts and \(summary.rules) rules in \(syncer.store.location).")
        printText("Users (password '\(DemoData.password)'): \(summary.users.joined(separator: ", "))")
    }
}

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Database maintenance.", subcommands: [Migrate.self])

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy a whole database between SQLite and PostgreSQL (not available yet).")
        @Option(help: "Source database.") var from: String
        @Option(help: "Target database.") var to: String

        func run() throws {
            printError("db migrate needs the PostgreSQL backend, which is not available in this version yet")
            throw ExitCode(2)
        }
    }
}
