/// Text from data as a terminal may show it: every character that could move the cursor,
/// recolour the screen, ring the bell or reorder what follows (C0 controls, DEL, C1
/// controls, bidi controls) is replaced by a visible escape, so a stored label or a login
/// name can neither forge an output line nor rewrite the screen. Everything else (UTF-8,
/// wide characters, emoji, backslashes) is left alone, which makes escaping idempotent.
public enum TerminalText {
    /// `text` with controls shown as `\n`, `\r`, `\t`, `\x1b` (other C0 and DEL) and
    /// `\u{9b}` (C1 and bidi controls). Newline and tab are escaped too: output fields are
    /// single lines, and a newline in data must not start a line of its own.
    public static func escaped(_ text: String) -> String {
        guard needsEscaping(text) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isControl(scalar.value) else { out.append(scalar); continue }
            out.append(contentsOf: escape(scalar.value).unicodeScalars)
        }
        return String(out)
    }

    /// Whether `value` is a scalar that `escaped` replaces.
    public static func isControl(_ value: UInt32) -> Bool {
        switch value {
        case 0x00..<0x20, 0x7F..<0xA0: return true                       // C0, DEL, C1
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidi controls
        default: return false
        }
    }

    private static func escape(_ value: UInt32) -> String {
        switch value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00..<0x20, 0x7F: return "\\x" + hex(value, digits: 2)
        default: return "\\u{" + String(value, radix: 16) + "}"
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    /// A byte scan that lets the common case (nothing to escape) return the string as is:
    /// the console runs this for every cell it draws.
    private static func needsEscaping(_ text: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        while let b = bytes.next() {
            switch b {
            case 0x00..<0x20, 0x7F: return true
            case 0xC2:  // U+0080–U+00BF: C1 is U+0080–U+009F
                if let next = bytes.next(), next < 0xA0 { return true }
            case 0xD8:  // U+061C arabic letter mark
                if let next = bytes.next(), next == 0x9C { return true }
            case 0xE2:  // U+2000–U+2FFF: the bidi controls live in U+200E–U+2069
                guard let second = bytes.next(), let third = bytes.next() else { return false }
                if second == 0x80, third == 0x8E || third == 0x8F || (0xAA...0xAE).contains(third) { return true }
                if second == 0x81, (0xA6...0xA9).contains(third) { return true }
            default: continue
            }
        }
        return false
    }
}
