import SyncerCore

/// What a cell means; the backend turns meanings into colours (or, under `NO_COLOR`, into
/// bold/reverse/dim), so screens never pick colours themselves.
public enum StyleRole: UInt8, CaseIterable, Sendable {
    case normal, title, tabActive, header, selected, dim, accent, ok, warning, error, hintKey, hintText, status, danger
}

/// One terminal cell. A wide character occupies its cell and the next; the next one is a
/// continuation that the backend skips when painting.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var role: StyleRole
    public var isContinuation: Bool

    public static let blank = Cell(character: " ", role: .normal, isContinuation: false)
}

/// The frame the console draws into, independent of curses: screens write text with roles,
/// tests read it back as plain text, and the backend paints only the rows that changed.
public struct ScreenGrid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var rows: [[Cell]]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        rows = Array(repeating: Array(repeating: .blank, count: self.width), count: self.height)
    }

    /// Writes `text` at (row, column), clipped at `maxWidth` columns (default: to the edge).
    /// Returns the column after the last cell written. Control characters are written as
    /// their escapes (`TerminalText`): this is the only way into a cell, so nothing from
    /// data reaches curses raw, whichever view forgot to escape it.
    @discardableResult
    public mutating func put(_ text: String, row: Int, column: Int, role: StyleRole = .normal, maxWidth: Int? = nil) -> Int {
        guard row >= 0, row < height, column < width else { return column }
        let limit = min(width, column + (maxWidth ?? width))
        var x = column
        for character in TerminalText.escaped(text) {
            let w = TextWidth.of(character)
            if w == 0 { continue }  // lone combining marks: never shift the line
            if x + w > limit {
                // A wide character that does not fit leaves a blank, not half a glyph.
                if x < limit, x >= 0 { rows[row][x] = Cell(character: " ", role: role, isContinuation: false) }
                x = limit
                break
            }
            if x >= 0 {
                rows[row][x] = Cell(character: character, role: role, isContinuation: false)
                if w == 2 { rows[row][x + 1] = Cell(character: " ", role: role, isContinuation: true) }
            }
            x += w
        }
        return x
    }

    /// Paints `role` over a whole row from `column` on (selection bars, title bars).
    public mutating func fill(row: Int, from column: Int = 0, to end: Int? = nil, role: StyleRole) {
        guard row >= 0, row < height else { return }
        for x in max(0, column)..<min(width, end ?? width) {
            rows[row][x].role = role
        }
    }

    /// One row as text (continuation cells dropped, trailing blanks kept).
    public func text(ofRow row: Int) -> String {
        var s = ""
        for cell in rows[row] where !cell.isContinuation { s.append(cell.character) }
        return s
    }

    /// The whole frame as text, trailing blanks trimmed: what snapshot tests compare.
    public var snapshot: String {
        (0..<height).map { row -> String in
            var line = text(ofRow: row)
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// Runs of equal role in a row, for painting with one attribute change per run.
    public func runs(ofRow row: Int) -> [(column: Int, text: String, role: StyleRole)] {
        var out: [(Int, String, StyleRole)] = []
        for (index, cell) in rows[row].enumerated() {
            if cell.isContinuation { continue }
            if let last = out.last, last.2 == cell.role {
                out[out.count - 1].1.append(cell.character)
            } else {
                out.append((index, String(cell.character), cell.role))
            }
        }
        return out
    }
}
