import Foundation
import SyncerCore

/// Runs one effect against SyncerCore and answers with the action that carries its result.
/// Synchronous on purpose: the backend calls it from worker queues, tests call it inline.
public struct EffectRunner: Sendable {
    public let syncer: Syncer
    public let principal: Principal

    /// How many rules of one type the Rules page lists (host_objects can hold millions).
    public static let rulesPageLimit = 1000
    public static let logLimit = 500

    public init(syncer: Syncer, principal: Principal) {
        self.syncer = syncer
        self.principal = principal
    }

    public func perform(_ effect: Effect) -> Action {
        do {
            return try run(effect)
        } catch {
            return .failed(taskID: effect.taskID, message: Self.describe(error))
        }
    }

    static func describe(_ error: Error) -> String {
        (error as? SyncerError)?.description ?? "\(error)"
    }

    private func run(_ effect: Effect) throws -> Action {
        switch effect {
        case .loadUsers:
            return .loaded(.users(try syncer.listUsers()))
        case .loadTokens(let email):
            let now = syncer.now()
            return .loaded(.tokens(email: email, try syncer.apiTokens(of: email).map { TokenSummary($0, now: now) }))
        case .loadHosts(let filter, let generation, let offset, let limit, let anchor):
            // Windows carry each host's position, which later windows page from (see `HostAnchor`).
            let rows = try syncer.hostWindow(HostFilter.parse(filter), after: anchor?.afterSeq,
                                             skip: anchor?.skip ?? offset, limit: limit)
            return .loaded(.hostWindow(generation: generation, offset: offset,
                                       hosts: rows.map(\.host), seqs: rows.map(\.position)))
        case .countHosts(let filter, let generation):
            return .loaded(.hostCount(generation: generation, total: try syncer.countHosts(HostFilter.parse(filter))))
        case .loadHost(let name):
            return .loaded(.host(try syncer.host(named: name, as: principal)))
        case .loadAccounts:
            return .loaded(.accounts(try syncer.listAccounts(as: principal)))
        case .loadAccount(let name):
            // Account records never carry passwords to the screen, whatever the operator holds.
            let record = try syncer.resolvedAccount(named: name, as: principal, revealPassword: false)
            let fields = record.compactMap { key, value -> (String, String)? in
                key == "password" || key == SecretFields.redactionMarker ? nil : (key, DocumentText.inline(value))
            }
            return .loaded(.account(name: name, fields: fields + [("password", "(never shown here)")]))
        case .loadRuleTypes:
            return .loaded(.ruleTypes(try syncer.ruleTypeCounts()))
        case .loadRules(let type):
            let page = try syncer.rules(ofType: type, limit: Self.rulesPageLimit)
            return .loaded(.rules(type: type, documents: page.documents.map(\.document), total: page.total))
        case .loadCron:
            return .loaded(.cron(try syncer.cronStatus()))
        case .loadLogs:
            return .loaded(.logs(try syncer.logPage(before: nil, limit: Self.logLimit).map(\.entry)))
        case .previewImport(let taskID, let path, let override):
            let report = try syncer.importBundle(file: path, override: override, preview: true, as: principal)
            return .loaded(.importPreview(taskID: taskID, path: path, override: override, report: report))
        case .write(let taskID, .createToken(let email, let label, let days)):
            // The plaintext goes to the modal that shows it once, never into a status line.
            let (plaintext, token) = try syncer.createAPIToken(for: email, label: label, expiresInDays: days, as: principal)
            return .loaded(.tokenCreated(taskID: taskID, NewToken(
                email: email, tokenID: token.tokenID, label: token.label, plaintext: plaintext)))
        case .write(let taskID, let request):
            return .finished(taskID: taskID, message: try write(request), reload: request.reloads)
        case .interruptWork:
            syncer.interruptRunningWork()
            return .loaded(.interruptRequested)
        }
    }

    /// Performs a write and says what happened, in the words of the status line.
    private func write(_ request: WriteRequest) throws -> String {
        switch request {
        case .grant(let role, let email):
            try syncer.grant([role], to: email, as: principal)
            return "Granted \(role.rawValue) to \(email)"
        case .revoke(let role, let email):
            try syncer.revoke([role], from: email, as: principal)
            return "Revoked \(role.rawValue) from \(email)"
        case .setDisabled(let disabled, let email):
            try syncer.setDisabled(disabled, for: email, as: principal)
            return disabled ? "Disabled \(email)" : "Enabled \(email)"
        case .setReadonly(let on, let email):
            try syncer.setReadonly(on, for: email, as: principal)
            return on ? "\(email) is now read-only" : "\(email) may write again"
        case .createUser(let email, let name, let password):
            try syncer.addUser(email: email, name: name.isEmpty ? nil : name, password: password, as: principal)
            return "Created user \(email)"
        case .setPassword(let password, let email):
            try syncer.setPassword(password, for: email, as: principal)
            return "Password of \(email) changed"
        case .createToken(let email, _, _):
            // Handled in `run`, which hands the plaintext to its modal; never reached.
            throw SyncerError.invalidArgument("API token for \(email) not created")
        case .revokeToken(let tokenID, let email):
            try syncer.revokeAPIToken(tokenID, of: email, as: principal)
            return "Revoked API token \(tokenID) of \(email)"
        case .deleteHost(let hostname):
            let result = try syncer.deleteHost(hostname: hostname, as: principal)
            return result.status == "deleted" ? "Deleted \(hostname)" : "\(hostname) was already gone"
        case .triggerCron(let group):
            let result = try syncer.triggerCronGroup(group, as: principal)
            return result.status == "triggered" ? "Triggered \(group): it runs on the next cron pass" : "\(group) is disabled; not triggered"
        case .importFile(let path, let override):
            let report = try syncer.importBundle(file: path, override: override, preview: false, as: principal)
            let skipped = report.skipped.values.reduce(0, +)
            return "Imported \(report.total) documents from \(path)" + (skipped > 0 ? " (\(skipped) of unknown types skipped)" : "")
        case .export(let request):
            let options = ExportOptions(
                types: request.ruleType.map { [$0] }, includeHosts: request.includeHosts,
                includeAccounts: request.includeAccounts, includeUsers: request.includeUsers)
            let summary = try syncer.writeBundle(options, to: request.path, as: principal)
            return "Exported \(summary.total) documents to \(summary.path)"
        }
    }
}

extension Effect {
    var taskID: Int? {
        switch self {
        case .previewImport(let id, _, _), .write(let id, _): return id
        default: return nil
        }
    }
}
