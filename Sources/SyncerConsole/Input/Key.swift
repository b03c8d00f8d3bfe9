/// A key press as the console sees it, whatever the terminal sent. The backend decodes
/// curses key codes into these; tests type them directly.
public enum Key: Hashable, Sendable {
    case char(Character)
    case ctrl(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, tab, backTab, delete
    case function(Int)

    /// How help and the hint line name the key.
    public var label: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "^" + String(c).uppercased()
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Bksp"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .delete: return "Del"
        case .function(let n): return "F\(n)"
        }
    }

    /// Keys for a test or script written as text: "j", "<Down>", "<Enter>", "<C-u>".
    public static func sequence(_ text: String) -> [Key] {
        var keys: [Key] = []
        var rest = Substring(text)
        let named: [String: Key] = [
            "Up": .up, "Down": .down, "Left": .left, "Right": .right, "PgUp": .pageUp, "PgDn": .pageDown,
            "Home": .home, "End": .end, "Enter": .enter, "Esc": .escape, "Bksp": .backspace, "Tab": .tab,
            "S-Tab": .backTab, "Del": .delete, "Space": .char(" "),
        ]
        while let c = rest.first {
            if c == "<", let close = rest.firstIndex(of: ">") {
                let name = String(rest[rest.index(after: rest.startIndex)..<close])
                if let key = named[name] {
                    keys.append(key); rest = rest[rest.index(after: close)...]; continue
                }
                if name.hasPrefix("C-"), name.count == 3 {
                    keys.append(.ctrl(name.last!)); rest = rest[rest.index(after: close)...]; continue
                }
                if name.hasPrefix("F"), let n = Int(name.dropFirst()) {
                    keys.append(.function(n)); rest = rest[rest.index(after: close)...]; continue
                }
            }
            keys.append(.char(c))
            rest = rest.dropFirst()
        }
        return keys
    }
}
