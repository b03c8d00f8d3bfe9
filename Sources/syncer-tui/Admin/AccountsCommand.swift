import ArgumentParser
import Foundation
import SyncerCore

struct AccountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts", abstract: "List and show import/export accounts.", subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let syncer = try global.open()
            let accounts = try report { try syncer.listAccounts(as: cliPrincipal) }
            if output.json { printJSON(.array(accounts.map(\.listEntry))); return }
            print(table(["NAME", "TYPE", "ENABLED", "MASTER", "CHILD"], accounts.map {
                [$0.name, $0.type, $0.enabled ? "yes" : "no", $0.isMaster ? "yes" : "no", $0.isChild ? "yes" : "no"]
            }))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an account with its custom fields resolved.",
            discussion: "The password stays hidden unless --show-password is given.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The account's name.") var name: String
        @Flag(name: .customLong("show-password"), help: "Print the decrypted password.") var showPassword = false

        func run() throws {
            let syncer = try global.open()
            var account = try report { try syncer.resolvedAccount(named: name, as: cliPrincipal, revealPassword: showPassword) }
            if !showPassword { account["password_redacted"] = nil; account["password"] = "(hidden; --show-password)" }
            if output.json { printJSON(.object(account)); return }
            for (key, value) in account { printText("\(key): \(value.stringValue ?? value.compactText)") }
        }
    }
}
