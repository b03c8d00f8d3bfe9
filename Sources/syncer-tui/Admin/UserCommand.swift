import ArgumentParser
import Foundation
import SyncerCore

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create users and manage their API roles, passwords and flags.",
        subcommands: [Add.self, Grant.self, Revoke.self, Passwd.self, Disable.self, Enable.self, Readonly.self, List.self, Check.self,
                      Token.self]
    )

    /// Prints the changed user (text or JSON), shared by every user subcommand.
    static func show(_ user: User, _ message: String, json: Bool) {
        if json { printJSON(user.listEntry) } else { printText(message) }
    }

    static func rolesText(_ user: User) -> String {
        let roles = user.strings("api_roles")
        return roles.isEmpty ? "(none)" : roles.joined(separator: " ")
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is read from stdin.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address (the login).") var email: String
        @Option(help: "Display name (default: the part of the e-mail before @).") var name: String?
        @Option(name: .customLong("api-role"), help: ArgumentHelp(
            "API role to grant; repeat for several (\(APIRole.allCases.map(\.rawValue).joined(separator: " "))).",
            valueName: "role"))
        var apiRoles: [String] = []
        @Flag(name: .customLong("global-admin"), help: "Make the user a global admin of the web UI.") var globalAdmin = false
        @Flag(help: "Make the user read-only (no writes through MCP or the API).") var readonly = false
        @OptionGroup var password: PasswordInput

        func run() throws {
            try password.require()
            let roles = try parseRoles(apiRoles)
            let syncer = try global.open()
            let secret = try readPassword()
            let user = try report {
                try syncer.addUser(email: email, name: name, password: secret, apiRoles: roles,
                                   globalAdmin: globalAdmin, readonly: readonly, as: cliPrincipal)
            }
            UserCommand.show(user, "Created user \(user.email) with API roles: \(UserCommand.rolesText(user))", json: output.json)
        }
    }

    /// Grant and revoke differ only in the core call.
    static func changeRoles(_ global: GlobalOptions, _ output: OutputOptions, _ email: String, _ names: [String],
                            _ change: (Syncer, [APIRole]) throws -> User) throws {
        let roles = try parseRoles(names)
        let syncer = try global.open()
        let user = try report { try change(syncer, roles) }
        show(user, "\(email) now has API roles: \(rolesText(user))", json: output.json)
    }

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Grant API roles to a user.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String
        @Argument(help: "Roles to grant.") var roles: [String]

        func run() throws {
            try UserCommand.changeRoles(global, output, email, roles) { try $0.grant($1, to: email, as: cliPrincipal) }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke API roles from a user.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String
        @Argument(help: "Roles to revoke.") var roles: [String]

        func run() throws {
            try UserCommand.changeRoles(global, output, email, roles) { try $0.revoke($1, from: email, as: cliPrincipal) }
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password (read from stdin).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String
        @OptionGroup var password: PasswordInput

        func run() throws {
            try password.require()
            let syncer = try global.open()
            _ = try report { try syncer.user(email: email) }
            let secret = try readPassword()
            let user = try report { try syncer.setPassword(secret, for: email, as: cliPrincipal) }
            UserCommand.show(user, "Changed the password of \(email)", json: output.json)
        }
    }

    static func setDisabled(_ disabled: Bool, _ global: GlobalOptions, _ output: OutputOptions, _ email: String) throws {
        let syncer = try global.open()
        let user = try report { try syncer.setDisabled(disabled, for: email, as: cliPrincipal) }
        show(user, "\(disabled ? "Disabled" : "Enabled") \(email)", json: output.json)
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a user from logging in.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String
        func run() throws { try UserCommand.setDisabled(true, global, output, email) }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled user log in again.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String
        func run() throws { try UserCommand.setDisabled(false, global, output, email) }
    }

    struct Readonly: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn a user's read-only flag on or off.")
        enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off }
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String
        @Argument(help: "on or off.") var state: Switch

        func run() throws {
            let syncer = try global.open()
            let user = try report { try syncer.setReadonly(state == .on, for: email, as: cliPrincipal) }
            UserCommand.show(user, "\(email) is \(state == .on ? "now" : "no longer") read-only", json: output.json)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users (never their password hashes).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let syncer = try global.open()
            let users = try report { try syncer.listUsers() }
            if output.json { printJSON(.array(users.map(\.listEntry))); return }
            print(table(["EMAIL", "NAME", "API ROLES", "FLAGS"], users.map { user in
                let flags = [user.globalAdmin ? "admin" : nil, user.disabled ? "disabled" : nil, user.readonly ? "read-only" : nil]
                    .compactMap { $0 }.joined(separator: ",")
                return [user.email, user.name, UserCommand.rolesText(user), flags]
            }))
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a login and password (read from stdin), as the MCP server would.",
            discussion: "Exits 0 when the user exists, is enabled, the password matches and (with --role) holds the role or 'all'.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Name or e-mail.") var login: String
        @Option(help: "Also require this API role (or 'all').") var role: String?
        @OptionGroup var password: PasswordInput

        func run() throws {
            try password.require()
            let roles = try parseRoles(role.map { [$0] } ?? [])
            let syncer = try global.open()
            let secret = try readPassword()
            let user: User
            do {
                user = try syncer.authenticate(login: login, password: secret, requiring: roles)
            } catch let error as SyncerError {
                printError("\(error)\(diagnosis(syncer, roles))")
                throw ExitCode(1)
            }
            printText("ok: \(user.email) (API roles: \(UserCommand.rolesText(user)))")
        }

        /// The admin may learn what MCP clients never do: which check failed.
        private func diagnosis(_ syncer: Syncer, _ roles: [APIRole]) -> String {
            guard let candidates = try? syncer.store.read({ try $0.users(login: login) }), !candidates.isEmpty else {
                return " (no user has the login '\(login)')"
            }
            let enabled = candidates.filter { !$0.disabled }
            if enabled.isEmpty { return " (the user is disabled)" }
            if !roles.isEmpty, !enabled.contains(where: { user in roles.contains(where: user.holds) }) {
                return " (the user holds none of the API roles asked for)"
            }
            return " (wrong password)"
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, list and revoke a user's personal API tokens (cmdb_pat_…, as CMDBsyncer 4.3+).",
            subcommands: [TokenAdd.self, TokenList.self, TokenRevoke.self])
    }

    struct TokenAdd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Create a token and print it once; only its SHA-256 is stored.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String
        @Option(help: "What the token is for (default 'API token').") var label: String?
        @Option(name: .customLong("expires-days"), help: "Days until the token stops working (default: never).")
        var expiresDays: Int?

        func run() throws {
            let syncer = try global.open()
            let (plaintext, token) = try report {
                try syncer.createAPIToken(for: email, label: label, expiresInDays: expiresDays, as: cliPrincipal)
            }
            if output.json {
                guard case .object(var entry) = token.listEntry else { return }
                entry["token"] = .string(plaintext)
                printJSON(.object(entry))
            } else {
                print(plaintext)
                // stdout holds the token alone, so `$(syncer-tui user token add …)` captures it.
                FileHandle.standardError.write(Data("syncer-tui: created API token \(token.tokenID) for \(email); it is shown only this once\n".utf8))
            }
        }
    }

    struct TokenList: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a user's tokens (never a hash).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String

        func run() throws {
            let syncer = try global.open()
            let tokens = try report { try syncer.apiTokens(of: email) }
            if output.json { printJSON(.array(tokens.map(\.listEntry))); return }
            func time(_ d: Date?) -> String { d.map { ExtendedDate.iso($0) } ?? "-" }
            print(table(["TOKEN ID", "PREFIX", "LABEL", "CREATED", "LAST USED", "EXPIRES"], tokens.map {
                [$0.tokenID, $0.prefix + "…", $0.label, time($0.createdAt), time($0.lastUsedAt), time($0.expiresAt)]
            }))
        }
    }

    struct TokenRevoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token; it stops working at once.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "E-mail address.") var email: String
        @Argument(help: "The token's id (see user token list).") var tokenID: String

        func run() throws {
            let syncer = try global.open()
            try report { try syncer.revokeAPIToken(tokenID, of: email, as: cliPrincipal) }
            if output.json { printJSON(.object(["token_id": .string(tokenID), "revoked": true])) } else {
                printText("Revoked API token \(tokenID) of \(email)")
            }
        }
    }
}
