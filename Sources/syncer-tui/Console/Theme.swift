import CNcurses
import Foundation
import SyncerConsole

/// Colours by meaning. Under `NO_COLOR` (set and non-empty, no-color.org) or on a
/// terminal without colours, meanings become bold, reverse and dim instead.
enum Theme {
    static func wantsColour() -> Bool {
        if let value = ProcessInfo.processInfo.environment["NO_COLOR"], !value.isEmpty { return false }
        return has_colors()
    }

    static func attributes(colour: Bool) -> [StyleRole: Int32] {
        let bold = Int32(cn_a_bold()), reverse = Int32(cn_a_reverse()), dim = Int32(cn_a_dim()), underline = Int32(cn_a_underline())
        guard colour, start_color() == OK else {
            return [
                .normal: 0, .title: reverse, .tabActive: bold | underline, .header: bold | underline, .selected: reverse,
                .dim: dim, .accent: bold, .ok: 0, .warning: bold, .error: bold, .hintKey: reverse, .hintText: 0,
                .status: 0, .danger: bold | reverse,
            ]
        }
        use_default_colors()
        // (foreground, background, extra attributes); -1 is the terminal's own colour.
        let spec: [(StyleRole, Int16, Int16, Int32)] = [
            (.title, Int16(COLOR_WHITE), Int16(COLOR_BLUE), 0),
            (.tabActive, Int16(COLOR_BLACK), Int16(COLOR_CYAN), bold),
            (.header, Int16(COLOR_CYAN), -1, bold),
            (.selected, Int16(COLOR_BLACK), Int16(COLOR_CYAN), 0),
            (.accent, Int16(COLOR_CYAN), -1, bold),
            (.ok, Int16(COLOR_GREEN), -1, 0),
            (.warning, Int16(COLOR_YELLOW), -1, 0),
            (.error, Int16(COLOR_RED), -1, bold),
            (.hintKey, Int16(COLOR_BLACK), Int16(COLOR_CYAN), 0),
            (.danger, Int16(COLOR_WHITE), Int16(COLOR_RED), bold),
        ]
        var out: [StyleRole: Int32] = [.normal: 0, .dim: dim, .hintText: 0, .status: 0]
        for (pair, entry) in spec.enumerated() {
            init_pair(Int16(pair + 1), entry.1, entry.2)
            out[entry.0] = Int32(cn_color_pair(Int32(pair + 1))) | entry.3
        }
        return out
    }
}
