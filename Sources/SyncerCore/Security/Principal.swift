import Foundation

/// Who performs an operation. Every write is logged with `name`, and the permission rules
/// that differ from CMDBsyncer on purpose (read-only users, `all` for secrets) are decided
/// here, once, for the console and MCP alike.
public struct Principal: Sendable, Equatable {
    /// The login name or e-mail, or the OS user for the local console.
    public var name: String
    public var apiRoles: Set<APIRole>
    public var readonly: Bool
    /// Where the request came from: `mcp`, `console`, `cli`.
    public var source: String
    /// The account names a user with `restrict_to_accounts` is limited to: it sees and
    /// writes only these accounts and the hosts imported from them. Nil: unrestricted.
    public var accountScope: Set<String>?

    public init(name: String, apiRoles: Set<APIRole>, readonly: Bool, source: String, accountScope: Set<String>? = nil) {
        self.name = name; self.apiRoles = apiRoles; self.readonly = readonly; self.source = source
        self.accountScope = accountScope
    }

    /// A syncer user acting through a front end, with the user's account restriction
    /// (CMDBsyncer's `account_scope`: an empty list means unrestricted).
    public init(user: User, source: String) {
        let scope = Set(user.strings("restrict_to_accounts").filter { !$0.isEmpty })
        self.init(name: user.email.isEmpty ? user.name : user.email, apiRoles: Set(user.apiRoles),
                  readonly: user.readonly, source: source, accountScope: scope.isEmpty ? nil : scope)
    }

    /// The operator at the server's own terminal: whoever can open the database file
    /// already has everything, so the console acts with `all`.
    public static func localOperator(source: String) -> Principal {
        let login = ProcessInfo.processInfo.environment["SUDO_USER"]
            ?? ProcessInfo.processInfo.environment["USER"] ?? "operator"
        return Principal(name: "\(login)@\(source)", apiRoles: [.all], readonly: false, source: source)
    }

    public var holdsAll: Bool { apiRoles.contains(.all) }

    /// Whether this principal may see and write the account `name` and its hosts.
    public func reaches(account name: String?) -> Bool {
        guard let accountScope else { return true }
        return name.map(accountScope.contains) ?? false
    }

    func requireWrite(_ what: String) throws {
        if readonly {
            throw SyncerError.permissionDenied("user '\(name)' is read-only and cannot \(what)")
        }
    }

    /// Refuses work on an account (or a host of it) outside the principal's scope, worded
    /// as "not found" so a restricted user learns nothing about other accounts.
    func requireReach(account name: String?, kind: String, named what: String) throws {
        if !reaches(account: name) { throw SyncerError.notFound(kind: kind, name: what) }
    }

    func requireAll(_ what: String) throws {
        if !holdsAll {
            throw SyncerError.permissionDenied("\(what) needs the 'all' API role; user '\(name)' does not hold it")
        }
    }
}
