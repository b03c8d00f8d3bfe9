import SyncerCore

/// The host list's paging: a window of rows around the screen, loaded on demand, and a
/// count once per filter, both off the input loop.
extension Reducer {
    static func windowSize(_ state: AppState) -> Int { max(120, state.bodyHeight * 4) }

    /// Typing into the filter line (`/`): each change refilters at once, as the operator types.
    static func editFilter(_ state: inout AppState, _ action: Action) -> [Effect] {
        if state.editingListFilter { return editListFilter(&state, action) }
        guard state.page == .hosts, state.hosts.editingFilter else { return [] }
        var text = state.hosts.filter.text
        switch action {
        case .insert(let c): text.append(c)
        case .deleteBackward: if !text.isEmpty { text.removeLast() }
        case .clearInput: text = ""
        case .submit:
            state.hosts.editingFilter = false
            return []
        case .cancel:
            state.hosts.editingFilter = false
            text = ""
        default: return []
        }
        guard text != state.hosts.filter.text else { return [] }
        return setHostFilter(&state, text)
    }

    /// The short lists filter in memory: the cursor goes back to the first match.
    static func editListFilter(_ state: inout AppState, _ action: Action) -> [Effect] {
        let page = state.page
        var text = state.listFilters[page] ?? ""
        switch action {
        case .insert(let c): text.append(c)
        case .deleteBackward: if !text.isEmpty { text.removeLast() }
        case .clearInput: text = ""
        case .submit:
            state.editingListFilter = false
        case .cancel:
            state.editingListFilter = false
            text = ""
        default: return []
        }
        state.listFilters[page] = text.isEmpty ? nil : text
        if let path = AppState.cursorPath(page) { state[keyPath: path] = ListCursor() }
        state.clampCursor(page)
        return []
    }

    static func setHostFilter(_ state: inout AppState, _ text: String) -> [Effect] {
        state.hosts.filter = LineInput(text)
        return refreshHosts(&state, keepPosition: false)
    }

    /// Counts and reloads the hosts for the current filter; results of earlier filters are dropped.
    static func refreshHosts(_ state: inout AppState, keepPosition: Bool = true) -> [Effect] {
        state.hosts.generation += 1
        state.hosts.total = nil
        state.hosts.anchors = [:]
        if !keepPosition {
            state.hosts.cursor = ListCursor()
            state.hosts.window = []
            state.hosts.windowOffset = 0
        }
        let filter = state.hosts.filter.text
        let offset = max(0, state.hosts.cursor.top - windowSize(state) / 3)
        state.hosts.pendingOffset = offset
        return [
            .loadHosts(filter: filter, generation: state.hosts.generation, offset: offset, limit: windowSize(state), anchor: nil),
            .countHosts(filter: filter, generation: state.hosts.generation),
        ]
    }

    /// Asks for the rows on screen when the window does not hold them, or soon will not.
    static func ensureHostWindow(_ state: inout AppState) -> [Effect] {
        let hosts = state.hosts
        let visible = state.bodyHeight
        let size = windowSize(state)
        let loadedTo = hosts.windowOffset + hosts.window.count
        let current = hosts.windowGeneration == hosts.generation
        // A short window is the end of the list, even before the count is known.
        let end = hosts.total ?? (current && hosts.window.count < size ? loadedTo : Int.max)
        let needFrom = max(0, min(hosts.cursor.top - visible, end - visible))
        let needTo = min(end, hosts.cursor.top + 2 * visible)
        let covered = hosts.total == 0 || current && needFrom >= hosts.windowOffset && needTo <= loadedTo
        guard !covered else { return [] }
        var limit = size
        var offset = max(0, min(hosts.cursor.top - size / 3, (hosts.total ?? Int.max) - size))
        var start = anchor(for: offset, hosts.anchors)
        if start == nil, offset > farOffset {
            // Deep in the list with no row seen nearby (after G, or scrolling back up from
            // the end): the offset scan costs the same for any window, so take a large one,
            // reaching further in the direction the operator is moving.
            limit = farWindowSize
            let upward = hosts.cursor.top < hosts.windowOffset
            offset = max(0, min(upward ? hosts.cursor.top + 2 * visible - limit : hosts.cursor.top - visible,
                                (hosts.total ?? Int.max) - limit))
            start = anchor(for: offset, hosts.anchors)
        }
        guard hosts.pendingOffset != offset else { return [] }
        state.hosts.pendingOffset = offset
        return [.loadHosts(filter: hosts.filter.text, generation: hosts.generation, offset: offset, limit: limit, anchor: start)]
    }

    /// Beyond this offset a window without an anchor is slow enough to load in bulk.
    static let farOffset = 20_000
    static let farWindowSize = 512

    /// The nearest known row at or before `offset` to page from, if one is close.
    static func anchor(for offset: Int, _ anchors: [Int: Int64]) -> HostAnchor? {
        var base = offset / HostsState.anchorStep * HostsState.anchorStep
        while base > 0, offset - base <= 4096 {
            if let seq = anchors[base] { return HostAnchor(afterSeq: seq, skip: offset - base) }
            base -= HostsState.anchorStep
        }
        return nil
    }

    static func applyHostWindow(_ state: inout AppState, generation: Int, offset: Int, hosts: [HostObject], seqs: [Int64]) -> [Effect] {
        guard generation == state.hosts.generation else { return [] }
        for (i, seq) in seqs.enumerated() where (offset + i + 1) % HostsState.anchorStep == 0 {
            state.hosts.anchors[offset + i + 1] = seq
        }
        if state.hosts.pendingOffset == offset { state.hosts.pendingOffset = nil }
        state.hosts.windowOffset = offset
        state.hosts.window = hosts
        state.hosts.windowGeneration = generation
        // A short first page is the whole list: the total is known before the count comes back.
        if state.hosts.total == nil, offset == 0, hosts.count < windowSize(state) { state.hosts.total = hosts.count }
        state.hosts.cursor.keepVisible(count: state.hosts.scrollableCount, visible: state.bodyHeight)
        if state.hosts.cursor.selected >= state.hosts.scrollableCount {
            state.hosts.cursor.select(state.hosts.scrollableCount - 1, count: state.hosts.scrollableCount, visible: state.bodyHeight)
        }
        return ensureHostWindow(&state)
    }
}
