import SyncerCore

/// The API tokens of a user (`t` on Users): the list modal, the create form, the typed
/// confirmation before a revoke, and the modal that shows a new token's plaintext once.
extension Reducer {
    static func openTokens(_ state: inout AppState) -> [Effect] {
        guard state.page == .users, let user = selectedUser(state) else { return [] }
        state.modals.append(.tokens(TokenList(email: user.email)))
        return [.loadTokens(email: user.email)]
    }

    /// A reload of the open token list (after a token write, with the users list).
    static func tokenListReload(_ state: AppState) -> [Effect] {
        for modal in state.modals.reversed() {
            if case .tokens(let list) = modal { return [.loadTokens(email: list.email)] }
        }
        return []
    }

    static func applyTokens(_ state: inout AppState, email: String, _ tokens: [TokenSummary]) {
        let visible = Overlays.tokenRows(state)
        for i in state.modals.indices {
            guard case .tokens(var list) = state.modals[i], list.email == email else { continue }
            list.tokens = tokens
            list.cursor.select(list.cursor.selected, count: tokens.count, visible: visible)
            state.modals[i] = .tokens(list)
        }
    }

    static func keepTokenCursorVisible(_ state: inout AppState) {
        let visible = Overlays.tokenRows(state)
        for i in state.modals.indices {
            guard case .tokens(var list) = state.modals[i] else { continue }
            list.cursor.keepVisible(count: list.tokens?.count ?? 0, visible: visible)
            state.modals[i] = .tokens(list)
        }
    }

    static func openTokenForm(_ state: inout AppState, _ list: TokenList) -> [Effect] {
        guard !state.readOnly else {
            flash(&state, "This console is read-only", .error)
            return []
        }
        state.modals.append(.form(Form(
            purpose: .createToken(email: list.email), title: "New API token for \(list.email)",
            fields: [.text("Label"), .text("Expires in days")],
            note: tokenFormNote)))
        return []
    }

    static let tokenFormNote = "Label: what it is for (empty: '\(APIToken.defaultLabel)'). Days: 1 to 36500, empty: never expires."

    static func confirmRevoke(_ state: inout AppState, _ list: TokenList) -> [Effect] {
        guard !state.readOnly else {
            flash(&state, "This console is read-only", .error)
            return []
        }
        guard let token = list.selected else { return [] }
        state.modals.append(.confirm(Confirmation(
            title: "Revoke an API token of \(list.email)?",
            lines: ["Token \(token.tokenID) '\(token.label)' (\(token.prefix)…).",
                    "Clients using it are refused from their next request; this cannot be undone.",
                    "Type revoke and press Enter; Esc keeps it."],
            expected: "revoke", write: .revokeToken(token.tokenID, email: list.email))))
        return []
    }

    /// Checks the create form; errors go to the form's note, the fields stay as typed.
    static func submitTokenForm(_ state: inout AppState, _ form: Form, email: String) -> [Effect] {
        let text = form.text("Expires in days").trimmingCharacters(in: .whitespaces)
        var days: Int?
        if !text.isEmpty {
            guard let n = Int(text), (1...36_500).contains(n) else {
                var form = form
                form.note = "Expires in days: a whole number from 1 to 36500, or empty for never (got '\(text)')."
                form.noteIsError = true
                form.focus = form.fields.firstIndex { $0.label == "Expires in days" } ?? form.focus
                state.modals[state.modals.count - 1] = .form(form)
                return []
            }
            days = n
        }
        let label = form.text("Label")
        state.modals.removeLast()
        return startWrite(&state, .createToken(email: email, label: label.isEmpty ? nil : label, expiresInDays: days))
    }

    /// The write created a token: show its plaintext once, on top, and reload the list.
    static func showCreatedToken(_ state: inout AppState, taskID: Int, _ created: NewToken) -> [Effect] {
        if state.task?.id == taskID { state.task = nil }
        // Shown even if the operator closed the list meanwhile: the token exists now.
        state.modals.append(.newToken(created))
        flash(&state, "Created API token \(created.tokenID) for \(created.email)", .ok)
        return reload(.users, &state)
    }
}
