import ArgumentParser
import Foundation
import Logging
import SyncerCore

// Escaped: log lines carry logins, hostnames and messages from data (see EscapingLogHandler).
LoggingSystem.bootstrap { label in
    EscapingLogHandler<StreamLogHandler>.standardError(label: label, level: .warning)
}

/// `syncer-tui`: the interactive console when run without a subcommand, and the admin
/// subcommands for scripts. Every subcommand takes `--db` and prints plain text, or JSON
/// with `--json`; failures print one line on stderr and exit non-zero.
struct SyncerTUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncer-tui",
        abstract: "Admin console and admin commands for the CMDB syncer's state.",
        discussion: """
            Without a subcommand, opens the interactive console. The database is --db, \
            else $\(StoreLocation.environmentVariable), else \(StoreLocation.defaultPath()).
            """,
        subcommands: [UserCommand.self, RulesCommand.self, HostsCommand.self, AccountsCommand.self, CronCommand.self, DemoCommand.self,
                      DatabaseCommand.self]
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("read-only"), help: "Hide every write action in the console.")
    var readOnly = false

    func run() throws {
        let syncer = try global.open()
        let status = runConsole(syncer: syncer, readOnly: readOnly)
        if status != 0 { throw ExitCode(status) }
    }
}

SyncerTUI.main()
