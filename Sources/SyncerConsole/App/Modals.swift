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
}

/// Toggling the API roles of one user.
public struct RolePicker {
    public var email: String
    public var cursor = ListCursor()
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

    /// The section whose lists change when the write succeeds.
    var reloads: Section? {
        switch self {
        case .grant, .revoke, .setDisabled, .setReadonly, .createUser, .setPassword: return .users
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
