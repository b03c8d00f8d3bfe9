import Foundation
import SyncerCore

/// What sits over the current page and takes the keys first. Modals stack: a typed
/// confirmation opened from the role picker returns to the picker.
public enum Modal {
    case help(top: Int)
    case palette(LineInput)
    case rolePicker(RolePicker)
    case confirm(Confirmation)
    case form(Form)
    case importPreview(ImportPreview)
    /// The API tokens of one user (`t` on Users): list, create, revoke.
    case tokens(TokenList)
    /// A token just created, its plaintext shown this once.
    case newToken(NewToken)
}

/// Toggling the API roles of one user.
public struct RolePicker {
    public var email: String
    public var cursor = ListCursor()
}

/// The API tokens of one user, loaded by an effect (nil until they arrive).
public struct TokenList {
    public var email: String
    public var tokens: [TokenSummary]?
    public var cursor = ListCursor()

    public init(email: String, tokens: [TokenSummary]? = nil) { self.email = email; self.tokens = tokens }

    var selected: TokenSummary? {
        guard let tokens, tokens.indices.contains(cursor.selected) else { return nil }
        return tokens[cursor.selected]
    }
}

/// One API token as the console shows it: everything but the hash, which stays in the core.
public struct TokenSummary: Equatable, Sendable {
    public var tokenID: String
    public var label: String
    public var prefix: String
    public var createdAt: Date?
    public var lastUsedAt: Date?
    public var expiresAt: Date?
    /// Past `expiresAt` when loaded (the screen has no wall clock of its own).
    public var expired: Bool

    public init(_ token: APIToken, now: Date) {
        tokenID = token.tokenID; label = token.label; prefix = token.prefix
        createdAt = token.createdAt; lastUsedAt = token.lastUsedAt; expiresAt = token.expiresAt
        expired = token.isExpired(at: now)
    }
}

/// A token just created. Its plaintext lives only here, in the modal that shows it once:
/// closing the modal drops the console's only copy. Descriptions and mirrors leave it out,
/// so no debug print or test failure message can carry it.
public struct NewToken: Sendable, CustomStringConvertible, CustomReflectable {
    public var email: String
    public var tokenID: String
    public var label: String
    public var plaintext: String

    public var description: String { "NewToken(\(tokenID) of \(email), plaintext hidden)" }
    public var customMirror: Mirror { Mirror(self, children: ["email": email, "tokenID": tokenID, "label": label]) }
}

/// A write that needs the operator to type a word first (granting `all`/`mcp`, deleting).
public struct Confirmation {
    public var title: String
    public var lines: [String]
    /// The word to type; anything else leaves everything as it was.
    public var expected: String
    public var input = LineInput()
    public var write: WriteRequest
}

/// A small form: create a user, reset a password, export or import a bundle.
public struct Form {
    public enum Purpose: Equatable {
        case createUser
        case resetPassword(email: String)
        case export(ruleType: String?)
        case importFile
        case createToken(email: String)
    }

    public struct Field: Equatable {
        public enum Kind: Equatable { case text, secret, toggle }
        public var label: String
        public var kind: Kind
        public var value = LineInput()
        public var isOn = false

        static func text(_ label: String, _ value: String = "") -> Field { Field(label: label, kind: .text, value: LineInput(value)) }
        static func secret(_ label: String) -> Field { Field(label: label, kind: .secret) }
        static func toggle(_ label: String, _ on: Bool = false) -> Field { Field(label: label, kind: .toggle, isOn: on) }
    }

    public var purpose: Purpose
    public var title: String
    public var fields: [Field]
    public var focus = 0
    public var note: String?
    /// The note says what is wrong with the input (drawn as an error).
    public var noteIsError = false

    var focusedIsToggle: Bool { fields.indices.contains(focus) && fields[focus].kind == .toggle }

    func text(_ label: String) -> String { fields.first { $0.label == label }?.value.text ?? "" }
    func isOn(_ label: String) -> Bool { fields.first { $0.label == label }?.isOn ?? false }
}

/// An import's dry run, shown before anything is written.
public struct ImportPreview {
    public var path: String
    public var override: Bool
    public var report: ImportReport
    public var input = LineInput()
    public var top = 0
}

/// A write the console asks SyncerCore to do, with everything it needs.
public enum WriteRequest: Equatable, Sendable {
    case grant(APIRole, email: String)
    case revoke(APIRole, email: String)
    case setDisabled(Bool, email: String)
    case setReadonly(Bool, email: String)
    case createUser(email: String, name: String, password: String)
    case setPassword(String, email: String)
    case deleteHost(String)
    case triggerCron(String)
    case importFile(path: String, override: Bool)
    case export(ExportRequest)
    /// Answered with the plaintext (`Loaded.tokenCreated`), never with a status line.
    case createToken(email: String, label: String?, expiresInDays: Int?)
    case revokeToken(String, email: String)

    /// The section whose lists change when the write succeeds.
    var reloads: Section? {
        switch self {
        case .grant, .revoke, .setDisabled, .setReadonly, .createUser, .setPassword, .createToken, .revokeToken: return .users
        case .deleteHost: return .hosts
        case .triggerCron: return .cron
        case .importFile: return .rules
        case .export: return nil
        }
    }

    /// What the progress line says while it runs.
    var progressLabel: String {
        switch self {
        case .importFile(let path, _): return "Importing \(path)…"
        case .export(let request): return "Exporting to \(request.path)…"
        case .createUser, .setPassword: return "Hashing password…"
        case .createToken: return "Creating an API token…"
        case .revokeToken: return "Revoking the API token…"
        default: return "Saving…"
        }
    }
}

public struct ExportRequest: Equatable, Sendable {
    public var path: String
    public var ruleType: String?
    public var includeHosts = false
    public var includeAccounts = false
    public var includeUsers = false
}

/// Work running off the input loop; Esc cancels (its result is then ignored).
public struct RunningTask: Equatable, Sendable {
    public var id: Int
    public var label: String
    /// Previews, imports and exports can be stopped (the store interrupts them and their
    /// transaction rolls back); other writes are short and finish.
    public var cancellable: Bool
}

/// A message on the status line until the next one or a few seconds pass.
public struct Flash: Equatable, Sendable {
    public enum Kind: Sendable { case info, ok, error }
    public var text: String
    public var kind: Kind
    public var since: Double?
}
