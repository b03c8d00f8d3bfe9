import CNcurses
import Foundation
import SyncerConsole

/// The thin curses layer: set the terminal up, decode keys, paint a `ScreenGrid`
/// (changed rows only, one `doupdate` per frame), put the terminal back.
final class CursesTerminal {
    enum Event {
        case key(Key)
        case resize(width: Int, height: Int)
    }

    private let screen: OpaquePointer
    private var painted: ScreenGrid?
    private var attributes: [StyleRole: Int32] = [:]

    /// Opens the terminal named by TERM, or says why it cannot.
    init(term: String) throws {
        guard cn_term_known(term) == 1, let screen = cn_newterm(term) else {
            throw ConsoleStartError("the terminal type '\(term)' (TERM) is not known here; try TERM=xterm-256color")
        }
        self.screen = screen
        raw()  // ^C arrives as a key: the console quits cleanly instead of dying mid-frame
        noecho()
        nonl()
        keypad(cn_stdscr(), true)
        nodelay(cn_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        leaveok(cn_stdscr(), true)
        attributes = Theme.attributes(colour: Theme.wantsColour())
    }

    var size: (width: Int, height: Int) {
        var y: Int32 = 0, x: Int32 = 0
        cn_getmaxyx(cn_stdscr(), &y, &x)
        return (Int(x), Int(y))
    }

    func close() {
        endwin()
        delscreen(screen)
    }

    /// Every key curses has buffered, without waiting.
    func pendingEvents() -> [Event] {
        var events: [Event] = []
        while events.count < 256 {
            var code: wint_t = 0
            let result = wget_wch(cn_stdscr(), &code)
            if result == ERR { break }
            if result == cn_key_code_yes() {
                if Int32(code) == KEY_RESIZE {
                    let s = size
                    events.append(.resize(width: s.width, height: s.height))
                } else if let key = Self.functionKey(Int32(code)) {
                    events.append(.key(key))
                }
            } else if let key = Self.characterKey(UInt32(code)) {
                events.append(.key(key))
            }
        }
        return events
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_NPAGE: return .pageDown
        case KEY_PPAGE: return .pageUp
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        default:
            for n in 1...12 where code == Int32(cn_key_f(Int32(n))) { return .function(n) }
            return nil
        }
    }

    static func characterKey(_ value: UInt32) -> Key? {
        switch value {
        case 27: return .escape
        case 10, 13: return .enter
        case 9: return .tab
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(UnicodeScalar(value + 96)!))
        case 0..<32: return nil
        default: return UnicodeScalar(value).map { .char(Character($0)) }
        }
    }

    /// Paints the rows that differ from the last frame. `full` repaints everything (resize, ^L).
    func paint(_ grid: ScreenGrid, full: Bool = false) {
        if full || painted?.width != grid.width || painted?.height != grid.height {
            werase(cn_stdscr())
            painted = nil
        }
        for row in 0..<grid.height where painted == nil || painted!.rows[row] != grid.rows[row] {
            for run in grid.runs(ofRow: row) {
                _ = cn_attrset(attributes[run.role] ?? 0)
                mvwaddstr(cn_stdscr(), Int32(row), Int32(run.column), run.text)
            }
        }
        _ = cn_attrset(0)
        wnoutrefresh(cn_stdscr())
        doupdate()
        painted = grid
    }
}

struct ConsoleStartError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
