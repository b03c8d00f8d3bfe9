/// The `?` help and the hint line, both generated from `Keymap.table`.
enum HelpPage {
    struct Hint: Equatable {
        var key: String
        var label: String
    }

    static func lines(_ state: AppState) -> [StyledLine] {
        let page = state.page
        let bindings = Keymap.bindings(for: page, readOnly: state.readOnly)
        func rows(_ list: [Binding]) -> [StyledLine] {
            list.map { StyledLine(text: "  " + TextWidth.fit($0.keyLabel, to: 12) + $0.help) }
        }
        var out: [StyledLine] = []
        if state.readOnly { out.append(StyledLine(text: "Read-only console: write actions are hidden.", role: .warning)) }
        out.append(StyledLine(text: "On this screen (\(page.section.title))", role: .accent))
        let specific = bindings.filter { $0.scope != .everywhere }
        out += specific.isEmpty ? [StyledLine(text: "  nothing beyond moving around", role: .dim)] : rows(specific)
        if page == .users {
            out += [StyledLine(text: ""), StyledLine(text: "In the API token list (t)", role: .accent)]
            out += rows(Keymap.tokenBindings(readOnly: state.readOnly))
        }
        out += [StyledLine(text: ""), StyledLine(text: "Everywhere", role: .accent)]
        out += rows(bindings.filter { $0.scope == .everywhere })
        out += [
            StyledLine(text: ""), StyledLine(text: "Typing", role: .accent),
            StyledLine(text: "  Enter confirms · Esc cancels · ^U clears the line · Tab completes a command"),
            StyledLine(text: ""), StyledLine(text: "Commands", role: .accent),
            StyledLine(text: "  " + Keymap.commands.map { ":" + $0 }.joined(separator: " ")),
        ]
        return out
    }

    /// Rows of help text the overlay shows at once.
    static func height(_ state: AppState) -> Int { max(1, min(lines(state).count, state.height - 6)) }

    static func hints(_ state: AppState) -> [Hint] {
        if let modal = state.modals.last {
            switch modal {
            case .help: return [Hint(key: "j/k", label: "Scroll"), Hint(key: "Esc", label: "Close")]
            case .palette: return [Hint(key: "Tab", label: "Complete"), Hint(key: "Enter", label: "Run"), Hint(key: "Esc", label: "Cancel")]
            case .rolePicker:
                return [Hint(key: "j/k", label: "Move"), Hint(key: "Space", label: "Grant/Revoke"), Hint(key: "Esc", label: "Done")]
            case .confirm: return [Hint(key: "Enter", label: "Confirm"), Hint(key: "Esc", label: "Cancel")]
            case .form:
                return [Hint(key: "Tab", label: "Next field"), Hint(key: "Space", label: "Toggle"),
                        Hint(key: "Enter", label: "Next/Submit"), Hint(key: "Esc", label: "Cancel")]
            case .importPreview: return [Hint(key: "import⏎", label: "Write"), Hint(key: "Esc", label: "Cancel")]
            case .tokens:
                let bindings = Keymap.tokenBindings(readOnly: state.readOnly).filter { $0.hint != nil }
                return [Hint(key: "j/k", label: "Move")] + bindings.map { Hint(key: $0.keys[0].label, label: $0.hint!) }
            case .newToken: return [Hint(key: "Enter", label: "I have copied it"), Hint(key: "Esc", label: "Close")]
            }
        }
        if state.page == .hosts && state.hosts.editingFilter || state.editingListFilter {
            return [Hint(key: "Enter", label: "Keep filter"), Hint(key: "Esc", label: "Clear"), Hint(key: "^U", label: "Erase")]
        }
        let bindings = Keymap.bindings(for: state.page, readOnly: state.readOnly).filter { $0.hint != nil }
        let specific = bindings.filter { if case .page = $0.scope { return true } else { return false } }
        let lists = bindings.filter { $0.scope == .lists }
        let general = bindings.filter { $0.scope == .everywhere }
        var out = (specific + lists + general).map { Hint(key: $0.keys[0].label, label: $0.hint!) }
        if state.task?.cancellable == true { out.insert(Hint(key: "Esc", label: "Cancel"), at: 0) }
        return out
    }
}
