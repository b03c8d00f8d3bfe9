import SyncerCore

/// Terminal column widths of text, as wcwidth(3) would count them but per grapheme cluster:
/// curses counts bytes in `addnstr`, and a table that is off by one column for CJK or emoji
/// shifts every later cell of the line, so the console does all width math here.
///
/// Text is measured and cut as it will be shown: with control characters escaped
/// (`TerminalText`, as `ScreenGrid.put` writes them), so columns stay aligned.
public enum TextWidth {
    /// Columns one grapheme cluster takes: 0 for controls and lone combining marks, 2 for
    /// East Asian wide/fullwidth characters and emoji shown as pictures, else 1.
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x20 || (0x7F..<0xA0).contains(first.value) { return 0 }
        if first.value < 0x300 { return 1 }
        // An emoji variation selector turns a text symbol (✔, ❤) into a two-column picture.
        if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if first.properties.isEmojiPresentation { return 2 }
        return isWide(first.value) ? 2 : 1
    }

    public static func of(_ text: String) -> Int {
        var total = 0
        for character in TerminalText.escaped(text) { total += of(character) }
        return total
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges of Unicode 15, condensed.
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
             0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
             0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF,
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F,
             0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The longest prefix of `text` that fits in `columns`, with "…" when something was cut.
    public static func clip(_ text: String, to columns: Int, ellipsis: Bool = true) -> String {
        guard columns > 0 else { return "" }
        let text = TerminalText.escaped(text)
        if text.utf8.count <= columns, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        guard of(text) > columns else { return text }
        let room = ellipsis ? columns - 1 : columns
        var out = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > room { break }
            out.append(character)
            used += w
        }
        return ellipsis ? out + "…" : out
    }

    /// `text` broken at spaces into lines of at most `columns` (a longer word is clipped).
    public static func wrap(_ text: String, to columns: Int) -> [String] {
        let text = TerminalText.escaped(text)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if of(candidate) <= columns || line.isEmpty {
                line = candidate
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        lines.append(line)
        return lines.map { clip($0, to: columns) }
    }

    /// `text` clipped or padded with spaces to exactly `columns`.
    public static func fit(_ text: String, to columns: Int, alignRight: Bool = false) -> String {
        let clipped = clip(text, to: columns)
        let pad = String(repeating: " ", count: max(0, columns - of(clipped)))
        return alignRight ? pad + clipped : clipped + pad
    }
}
