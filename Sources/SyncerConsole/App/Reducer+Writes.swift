import Foundation
import SyncerCore

/// Write actions: the forms and confirmations in front of them, and starting the write
/// itself off the input loop.
extension Reducer {
    static func selectedUser(_ state: AppState) -> User? {
        state.selectedRow(.users).map { state.users[$0] }
    }

    static func startWriteAction(_ state: inout AppState, _ action: Action) -> [Effect] {
        switch action {
        case .addUser:
            guard state.page == .users else { return [] }
            state.modals.append(.form(Form(
                purpose: .createUser, title: "Create a user",
                fields: [.text("E-mail"), .text("Name"), .secret("Password"), .secret("Password again")],
                note: "At least \(Syncer.minimumPasswordLength) characters. API roles: press r on the new user.")))
        case .editRoles:
            guard state.page == .users, let user = selectedUser(state) else { return [] }
            state.modals.append(.rolePicker(RolePicker(email: user.email)))
        case .toggleDisabled:
            guard state.page == .users, let user = selectedUser(state) else { return [] }
            return startWrite(&state, .setDisabled(!user.disabled, email: user.email))
        case .toggleReadonly:
            guard state.page == .users, let user = selectedUser(state) else { return [] }
            return startWrite(&state, .setReadonly(!user.readonly, email: user.email))
        case .resetPassword:
            guard state.page == .users, let user = selectedUser(state) else { return [] }
            state.modals.append(.form(Form(
                purpose: .resetPassword(email: user.email), title: "New password for \(user.email)",
                fields: [.secret("Password"), .secret("Password again")])))
        case .deleteHost:
            let host = state.page == .hostDetail ? state.host : state.hosts.row(state.hosts.cursor.selected)
            guard state.page == .hosts || state.page == .hostDetail, let hostname = host?.hostname else { return [] }
            state.modals.append(.confirm(Confirmation(
                title: "Delete host \(hostname)?",
                lines: ["The host, its labels and inventory are removed from the syncer.",
                        "An import from its account can bring it back.",
                        "Type delete and press Enter; Esc keeps it."],
                expected: "delete", write: .deleteHost(hostname))))
        case .triggerCron:
            guard state.page == .cron, let row = state.selectedRow(.cron) else { return [] }
            return startWrite(&state, .triggerCron(state.cron[row].name))
        case .importRules:
            guard state.page == .ruleTypes || state.page == .rules else { return [] }
            state.modals.append(.form(Form(
                purpose: .importFile, title: "Import a bundle",
                fields: [.text("File"), .toggle("Replace documents with the same id or name")],
                note: "Nothing is written before you have seen the preview.")))
        default:
            break
        }
        return []
    }

    static func openExportForm(_ state: inout AppState) -> [Effect] {
        var type: String?
        if state.page == .rules { type = state.rulesType }
        if state.page == .ruleTypes, let row = state.selectedRow(.ruleTypes) {
            type = state.ruleTypes[row].type
        }
        guard state.page == .rules || state.page == .ruleTypes else { return [] }
        var fields: [Form.Field] = [.text("File", "cmdbsyncer-export-\(state.page == .rules ? type ?? "all" : "all").json")]
        if let type { fields.append(.toggle("Only \(type)", state.page == .rules)) }
        fields += [.toggle("Include hosts"), .toggle("Include accounts"), .toggle("Include users")]
        state.modals.append(.form(Form(purpose: .export(ruleType: type), title: "Export rules", fields: fields,
                                       note: "Space toggles; Enter on a toggle starts the export.")))
        return []
    }

    static func toggleRole(_ state: inout AppState, _ picker: RolePicker) -> [Effect] {
        guard !state.readOnly, let user = state.users.first(where: { $0.email == picker.email }) else { return [] }
        let role = APIRole.allCases[picker.cursor.selected]
        if user.strings("api_roles").contains(role.rawValue) {
            return startWrite(&state, .revoke(role, email: user.email))
        }
        if role == .all || role == .mcp {
            state.modals.append(.confirm(Confirmation(
                title: "Grant '\(role.rawValue)' to \(user.email)?",
                lines: ["The \(role.rawValue) role allows \(role.meaning).",
                        "Type \(role.rawValue) and press Enter to grant it; Esc keeps things as they are."],
                expected: role.rawValue, write: .grant(role, email: user.email))))
            return []
        }
        return startWrite(&state, .grant(role, email: user.email))
    }

    static func submit(_ state: inout AppState, _ form: Form) -> [Effect] {
        func refuse(_ message: String, clearingSecrets: Bool) -> [Effect] {
            var form = form
            if clearingSecrets {
                for i in form.fields.indices where form.fields[i].kind == .secret { form.fields[i].value = LineInput() }
                form.focus = form.fields.firstIndex { $0.kind == .secret } ?? 0
            }
            state.modals[state.modals.count - 1] = .form(form)
            flash(&state, message, .error)
            return []
        }
        switch form.purpose {
        case .createUser:
            let email = form.text("E-mail").trimmingCharacters(in: .whitespaces)
            guard !email.isEmpty else { return refuse("The e-mail address is missing", clearingSecrets: false) }
            guard form.text("Password") == form.text("Password again") else {
                return refuse("The passwords do not match; type them again", clearingSecrets: true)
            }
            state.modals.removeLast()
            return startWrite(&state, .createUser(email: email, name: form.text("Name"), password: form.text("Password")))
        case .resetPassword(let email):
            guard form.text("Password") == form.text("Password again") else {
                return refuse("The passwords do not match; type them again", clearingSecrets: true)
            }
            state.modals.removeLast()
            return startWrite(&state, .setPassword(form.text("Password"), email: email))
        case .export(let type):
            let path = form.text("File").trimmingCharacters(in: .whitespaces)
            guard !path.isEmpty else { return refuse("Name the file to write", clearingSecrets: false) }
            let only = type.map { form.isOn("Only \($0)") } ?? false
            state.modals.removeLast()
            return startWrite(&state, .export(ExportRequest(
                path: path, ruleType: only ? type : nil, includeHosts: form.isOn("Include hosts"),
                includeAccounts: form.isOn("Include accounts"), includeUsers: form.isOn("Include users"))))
        case .importFile:
            let path = form.text("File").trimmingCharacters(in: .whitespaces)
            guard !path.isEmpty else { return refuse("Name the bundle file to read", clearingSecrets: false) }
            guard state.task == nil else { return refuse("Busy: \(state.task!.label)", clearingSecrets: false) }
            state.modals.removeLast()
            let id = state.nextTaskID
            state.nextTaskID += 1
            state.task = RunningTask(id: id, label: "Reading \(path) for a preview…", cancellable: true)
            return [.previewImport(taskID: id, path: path, override: form.isOn("Replace documents with the same id or name"))]
        case .createToken(let email):
            return submitTokenForm(&state, form, email: email)
        }
    }

    /// Starts a write off the input loop; one at a time, so results arrive in order.
    static func startWrite(_ state: inout AppState, _ request: WriteRequest) -> [Effect] {
        if let task = state.task {
            flash(&state, "Busy: \(task.label)\(task.cancellable ? " (Esc cancels it)" : "")", .error)
            return []
        }
        if state.readOnly, !isExport(request) {
            flash(&state, "This console is read-only", .error)
            return []
        }
        let id = state.nextTaskID
        state.nextTaskID += 1
        // Imports and exports can be stopped: the store interrupts them and they roll back.
        state.task = RunningTask(id: id, label: request.progressLabel, cancellable: isBulk(request))
        return [.write(taskID: id, request)]
    }

    static func isBulk(_ request: WriteRequest) -> Bool {
        switch request {
        case .export, .importFile: return true
        default: return false
        }
    }

    static func isExport(_ request: WriteRequest) -> Bool {
        if case .export = request { return true }
        return false
    }
}
