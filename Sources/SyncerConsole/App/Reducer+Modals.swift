import Foundation
import SyncerCore

/// Keys while a modal is open: help, palette, role picker, typed confirmations, forms and
/// the import preview.
extension Reducer {
    /// Handles `action` when a modal is open; nil lets the page handle it.
    static func reduceModal(_ state: inout AppState, _ action: Action) -> [Effect]? {
        guard let modal = state.modals.last else { return nil }
        switch action {
        case .resize, .tick, .loaded, .finished, .failed, .quit: return nil
        default: break
        }
        if case .cancel = action {
            state.modals.removeLast()
            return []
        }
        switch modal {
        case .help(let top):
            let count = HelpPage.lines(state).count
            let height = HelpPage.height(state)
            let delta: Int
            switch action {
            case .moveDown: delta = 1
            case .moveUp: delta = -1
            case .pageDown: delta = height
            case .pageUp: delta = -height
            case .first: delta = Int.min / 2
            case .last: delta = Int.max / 2
            default: return []
            }
            state.modals[state.modals.count - 1] = .help(top: scrolled(top, by: delta, count: count, visible: height))
            return []
        case .palette(var input):
            switch action {
            case .insert(let c): input.insert(c)
            case .deleteBackward: input.deleteBackward()
            case .clearInput: input = LineInput()
            case .complete: input = LineInput(Keymap.complete(input.text))
            case .submit:
                state.modals.removeLast()
                return runCommand(&state, input.text)
            default: return []
            }
            state.modals[state.modals.count - 1] = .palette(input)
            return []
        case .rolePicker(var picker):
            switch action {
            case .moveDown: picker.cursor.move(by: 1, count: APIRole.allCases.count, visible: APIRole.allCases.count)
            case .moveUp: picker.cursor.move(by: -1, count: APIRole.allCases.count, visible: APIRole.allCases.count)
            case .first: picker.cursor.select(0, count: APIRole.allCases.count, visible: APIRole.allCases.count)
            case .last: picker.cursor.select(Int.max, count: APIRole.allCases.count, visible: APIRole.allCases.count)
            case .toggleRole:
                state.modals[state.modals.count - 1] = .rolePicker(picker)
                return toggleRole(&state, picker)
            default: return []
            }
            state.modals[state.modals.count - 1] = .rolePicker(picker)
            return []
        case .confirm(var confirmation):
            switch action {
            case .insert(let c): confirmation.input.insert(c)
            case .deleteBackward: confirmation.input.deleteBackward()
            case .clearInput: confirmation.input = LineInput()
            case .submit:
                guard confirmation.input.text == confirmation.expected else {
                    flash(&state, "Type \(confirmation.expected) to confirm, or Esc to keep things as they are", .error)
                    confirmation.input = LineInput()
                    state.modals[state.modals.count - 1] = .confirm(confirmation)
                    return []
                }
                state.modals.removeLast()
                return startWrite(&state, confirmation.write)
            default: return []
            }
            state.modals[state.modals.count - 1] = .confirm(confirmation)
            return []
        case .form(var form):
            switch action {
            case .insert(let c): form.fields[form.focus].value.insert(c)
            case .deleteBackward: form.fields[form.focus].value.deleteBackward()
            case .clearInput: form.fields[form.focus].value = LineInput()
            case .toggleField: form.fields[form.focus].isOn.toggle()
            case .nextField, .complete: form.focus = (form.focus + 1) % form.fields.count
            case .previousField: form.focus = (form.focus + form.fields.count - 1) % form.fields.count
            case .submit:
                if form.focus < form.fields.count - 1, form.fields[form.focus].kind != .toggle {
                    form.focus += 1
                } else {
                    return submit(&state, form)
                }
            default: return []
            }
            state.modals[state.modals.count - 1] = .form(form)
            return []
        case .importPreview(var preview):
            switch action {
            case .insert(let c): preview.input.insert(c)
            case .deleteBackward: preview.input.deleteBackward()
            case .clearInput: preview.input = LineInput()
            case .moveDown: preview.top += 1
            case .moveUp: preview.top = max(0, preview.top - 1)
            case .submit:
                guard preview.input.text == "import" else {
                    flash(&state, "Type import and Enter to write it, Esc to leave the database as it is", .error)
                    preview.input = LineInput()
                    state.modals[state.modals.count - 1] = .importPreview(preview)
                    return []
                }
                state.modals.removeLast()
                return startWrite(&state, .importFile(path: preview.path, override: preview.override))
            default: return []
            }
            state.modals[state.modals.count - 1] = .importPreview(preview)
            return []
        case .tokens(var list):
            let count = list.tokens?.count ?? 0
            let visible = Overlays.tokenRows(state)
            switch action {
            case .moveDown: list.cursor.move(by: 1, count: count, visible: visible)
            case .moveUp: list.cursor.move(by: -1, count: count, visible: visible)
            case .first: list.cursor.select(0, count: count, visible: visible)
            case .last: list.cursor.select(Int.max, count: count, visible: visible)
            case .refresh: return [.loadTokens(email: list.email)]
            case .createToken: return openTokenForm(&state, list)
            case .revokeToken: return confirmRevoke(&state, list)
            default: return []
            }
            state.modals[state.modals.count - 1] = .tokens(list)
            return []
        case .newToken:
            // Enter or Esc (handled above) drops the modal, and with it the plaintext.
            if case .submit = action { state.modals.removeLast() }
            return []
        }
    }

    static func runCommand(_ state: inout AppState, _ text: String) -> [Effect] {
        var command = text.trimmingCharacters(in: .whitespaces)
        if command.hasPrefix(":") { command.removeFirst() }
        guard !command.isEmpty else { return [] }
        let completed = Keymap.complete(command)
        guard Keymap.commands.contains(completed) else {
            flash(&state, "Unknown command :\(command); try " + Keymap.commands.map { ":" + $0 }.joined(separator: " "), .error)
            return []
        }
        if let section = Section(rawValue: completed) { return enter(section, &state) }
        switch completed {
        case "help": state.modals.append(.help(top: 0)); return []
        case "quit": state.shouldQuit = true; return []
        default: return reload(state.page.section, &state)
        }
    }
}
