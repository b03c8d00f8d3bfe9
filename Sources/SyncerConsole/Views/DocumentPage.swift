import SyncerCore

/// A line of a document page with its meaning.
struct StyledLine: Equatable {
    var text: String
    var role: StyleRole = .normal
}

/// The pages that show one record: a host, an account, a rule, a log entry.
enum DocumentPage {
    static func heading(_ state: AppState) -> String {
        switch state.page {
        case .hostDetail: return " Host \(state.host?.hostname ?? "")"
        case .accountDetail: return " Account \(state.account?.name ?? "")"
        case .ruleDocument: return " \(state.rulesType) rule \((state.openedRule?.index ?? 0) + 1) of \(state.rules.count)"
        case .logDetail: return " Log entry"
        default: return ""
        }
    }

    static func lines(_ state: AppState) -> [StyledLine] {
        switch state.page {
        case .hostDetail: return state.host.map(host) ?? [StyledLine(text: "Loading…", role: .dim)]
        case .accountDetail:
            guard let account = state.account, !account.fields.isEmpty else { return [StyledLine(text: "Loading…", role: .dim)] }
            let keyWidth = min(24, account.fields.map { TextWidth.of($0.0) }.max() ?? 0)
            return account.fields.map { key, value in
                StyledLine(text: TextWidth.fit(key, to: keyWidth) + "  " + value, role: key == "password" ? .dim : .normal)
            }
        case .ruleDocument:
            guard let rule = state.openedRule else { return [] }
            return DocumentText.lines(rule.document).map { StyledLine(text: $0) }
        case .logDetail:
            return state.openedLog.map(log) ?? []
        default:
            return []
        }
    }

    static func host(_ h: HostObject) -> [StyledLine] {
        var out: [StyledLine] = [
            StyledLine(text: "Hostname      \(h.hostname)"),
            StyledLine(text: "Kind          \(h.isObject ? "object (\(h.objectType))" : "host")"),
            StyledLine(text: "Account       \(h.sourceAccountName ?? "—")"),
            StyledLine(text: "Last seen     \(DocumentText.time(h.lastImportSeen))"),
            StyledLine(text: "Last changed  \(DocumentText.time(h.lastImportSync))"),
            StyledLine(text: ""),
            StyledLine(text: "Labels (\(h.labels.count))", role: .accent),
        ]
        out += keyValues(h.labels)
        out.append(StyledLine(text: ""))
        out.append(StyledLine(text: "Inventory (\(h.inventory.count))", role: .accent))
        out += keyValues(h.inventory)
        return out
    }

    static func keyValues(_ object: JSONObject) -> [StyledLine] {
        guard !object.isEmpty else { return [StyledLine(text: "  none", role: .dim)] }
        let width = min(28, object.keys.map { TextWidth.of($0) }.max() ?? 0)
        return object.map { StyledLine(text: "  " + TextWidth.fit($0.key, to: width) + "  " + DocumentText.inline($0.value)) }
    }

    static func log(_ e: LogEntry) -> [StyledLine] {
        var out: [StyledLine] = [
            StyledLine(text: "Time     \(DocumentText.time(e.time)) UTC"),
            StyledLine(text: "Source   \(e.source)"),
            StyledLine(text: "User     \(e.user ?? "—")"),
            StyledLine(text: "Status   \(e.hasError ? "error" : "ok")", role: e.hasError ? .error : .ok),
            StyledLine(text: ""),
            StyledLine(text: e.message, role: e.hasError ? .error : .normal),
        ]
        if !e.details.isEmpty {
            out.append(StyledLine(text: ""))
            out.append(StyledLine(text: "Details", role: .accent))
            for d in e.details {
                let level = d.level.uppercased()
                let role: StyleRole = level.hasPrefix("ERR") ? .error : level.hasPrefix("WARN") ? .warning : .normal
                for (i, part) in d.message.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    out.append(StyledLine(text: (i == 0 ? "  " + TextWidth.fit(d.level, to: 8) : String(repeating: " ", count: 10)) + " " + part,
                                          role: role))
                }
            }
        }
        if !e.affectedHosts.isEmpty {
            out.append(StyledLine(text: ""))
            out.append(StyledLine(text: "Hosts: " + e.affectedHosts.joined(separator: " "), role: .dim))
        }
        return out
    }
}
