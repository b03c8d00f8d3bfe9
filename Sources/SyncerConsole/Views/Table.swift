/// Column layout for list pages: fixed columns keep their width, flexible ones share
/// what is left, so a list reads well from 60 to 300 columns.
struct Table {
    struct Column {
        var title: String
        /// Fixed width, or the minimum when flexible.
        var width: Int
        var flexible = false
        var alignRight = false
        /// Share of the spare width a flexible column gets, relative to the others.
        var weight = 1
    }

    var columns: [Column]

    /// Widths for `total` columns of screen, one space between columns.
    func widths(total: Int) -> [Int] {
        let gaps = max(0, columns.count - 1)
        let fixed = columns.reduce(0) { $0 + $1.width }
        let weights = columns.reduce(0) { $0 + ($1.flexible ? $1.weight : 0) }
        let spare = max(0, total - fixed - gaps)
        var remainder = spare
        var widths = columns.map { column -> Int in
            guard column.flexible, weights > 0 else { return column.width }
            let add = spare * column.weight / weights
            remainder -= add
            return column.width + add
        }
        // Rounding leftovers go to the first flexible column, so rows always fill the width.
        if let first = columns.firstIndex(where: \.flexible) { widths[first] += remainder }
        return widths
    }

    func line(_ cells: [String], total: Int) -> String {
        let widths = widths(total: total)
        return zip(columns.indices, cells).map { i, text in
            TextWidth.fit(text, to: widths[i], alignRight: columns[i].alignRight)
        }.joined(separator: " ")
    }

    func header(total: Int) -> String { line(columns.map(\.title), total: total) }
}

extension Int {
    /// 1234567 → "1,234,567", the same under every locale (snapshots must not depend on LANG).
    var grouped: String {
        let digits = String(magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return self < 0 ? "-" + out : out
    }
}
