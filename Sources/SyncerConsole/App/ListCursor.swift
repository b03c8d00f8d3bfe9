/// Selection and scroll position of a list that may be far longer than the screen.
/// Only indices are kept; the rows themselves live in the list's data source.
public struct ListCursor: Equatable, Sendable {
    public var selected = 0
    public var top = 0

    public init(selected: Int = 0, top: Int = 0) { self.selected = selected; self.top = top }

    /// Moves the selection to `index`, clamped to `count`, and scrolls just enough to show it.
    public mutating func select(_ index: Int, count: Int, visible: Int) {
        selected = count == 0 ? 0 : min(max(0, index), count - 1)
        keepVisible(count: count, visible: visible)
    }

    public mutating func move(by delta: Int, count: Int, visible: Int) {
        select(selected + delta, count: count, visible: visible)
    }

    /// Keeps the selection on screen after a move or a resize, and never leaves blank
    /// rows at the bottom when the list could fill them.
    public mutating func keepVisible(count: Int, visible: Int) {
        let visible = max(1, visible)
        if selected < top { top = selected }
        if selected >= top + visible { top = selected - visible + 1 }
        top = max(0, min(top, max(0, count - visible)))
    }
}

/// A one-line text field: the filter, the palette, prompts and form fields.
public struct LineInput: Equatable, Sendable {
    public var text: String

    public init(_ text: String = "") { self.text = text }

    mutating func insert(_ c: Character) { text.append(c) }
    mutating func deleteBackward() { if !text.isEmpty { text.removeLast() } }
}
