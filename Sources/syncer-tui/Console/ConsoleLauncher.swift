import CNcurses
import Foundation
import SyncerConsole
import SyncerCore

/// Set by SIGTERM/SIGHUP: the loop then restores the terminal and leaves.
nonisolated(unsafe) private var terminationRequested: sig_atomic_t = 0

/// Starts the interactive console on `syncer`. Returns the process exit status.
func runConsole(syncer: Syncer, readOnly: Bool) -> Int32 {
    let started = ProcessInfo.processInfo.systemUptime
    guard isatty(0) == 1, isatty(1) == 1 else {
        printConsoleError("the console needs a terminal on stdin and stdout; for scripts use the subcommands (syncer-tui --help)")
        return 2
    }
    let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
    guard !term.isEmpty, term != "dumb" else {
        printConsoleError("TERM is \(term.isEmpty ? "not set" : "'dumb'"); set it to your terminal, e.g. TERM=xterm-256color")
        return 2
    }
    prepareLocale()
    let terminal: CursesTerminal
    do { terminal = try CursesTerminal(term: term) } catch {
        printConsoleError("\(error)")
        return 2
    }
    signal(SIGTERM) { _ in terminationRequested = 1 }
    signal(SIGHUP) { _ in terminationRequested = 1 }
    defer { terminal.close() }

    let operator_ = Principal.localOperator(source: "console")
    let principal = readOnly
        ? Principal(name: operator_.name, apiRoles: operator_.apiRoles, readonly: true, source: operator_.source)
        : operator_
    let queue = EffectQueue(runner: EffectRunner(syncer: syncer, principal: principal))
    let size = terminal.size
    var state = AppState(width: size.width, height: size.height, readOnly: readOnly, location: syncer.store.location)
    let timings = FrameTimings(path: ProcessInfo.processInfo.environment["SYNCER_TUI_TIMINGS"])
    queue.submit(Reducer.start(&state))
    terminal.paint(FrameRenderer.render(state), full: true)
    timings?.firstFrame(seconds: ProcessInfo.processInfo.systemUptime - started)

    var lastTick = 0.0
    var idleErrors = 0
    while !state.shouldQuit, terminationRequested == 0 {
        var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: queue.wakeFD, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, 2, 250)
        if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { break }  // the terminal went away
        let keyStart = ProcessInfo.processInfo.systemUptime
        var effects: [Effect] = []
        var fullRepaint = false
        let events = terminal.pendingEvents()
        // stdin readable but no key, again and again: EOF on a dead terminal; do not spin.
        if ready > 0, fds[0].revents & Int16(POLLIN) != 0, events.isEmpty {
            idleErrors += 1
            if idleErrors > 50 { break }
        } else {
            idleErrors = 0
        }
        for (index, event) in events.enumerated() {
            switch event {
            case .key(.ctrl("l")):
                fullRepaint = true
            case .key(let key):
                if let action = Keymap.action(for: key, in: state) { effects += Reducer.reduce(&state, action) }
            case .resize(let width, let height):
                fullRepaint = true
                effects += Reducer.reduce(&state, .resize(width: width, height: height))
            }
            // Keys typed ahead of their data ("3", "j", Enter in one burst, or a paste) must
            // act on that data: when more keys wait, let the loads just asked for land first.
            // Host windows only when there are no rows yet: scrolling keys need no wait, and
            // letters of a filter neither.
            let awaited = effects.contains {
                $0.lane == .quick || $0.lane == .hosts && state.hosts.window.isEmpty && !state.hosts.editingFilter
            }
            if index < events.count - 1, awaited {
                queue.submit(effects)
                effects = []
                for action in queue.settle(timeout: 0.3) { effects += Reducer.reduce(&state, action) }
            }
        }
        for action in queue.drain() { effects += Reducer.reduce(&state, action) }
        let now = ProcessInfo.processInfo.systemUptime
        if now - lastTick >= 0.5 {
            lastTick = now
            effects += Reducer.reduce(&state, .tick(now))
        }
        queue.submit(effects)
        if state.shouldQuit { break }
        terminal.paint(FrameRenderer.render(state), full: fullRepaint)
        if !events.isEmpty { timings?.frame(seconds: ProcessInfo.processInfo.systemUptime - keyStart) }
    }
    if let task = state.task, !task.cancellable {
        state.flash = nil
        state.task?.label = "Finishing before exit: " + task.label
        terminal.paint(FrameRenderer.render(state))
        queue.finish()
    }
    timings?.write()
    return 0
}

/// ncursesw decodes UTF-8 only under a UTF-8 locale; cron, docker and CI often run with
/// LANG=C, which would draw "Müller" as junk. C.UTF-8 is always present on glibc ≥ 2.35.
private func prepareLocale() {
    setlocale(LC_ALL, "")
    if String(cString: cn_codeset()) != "UTF-8" {
        setlocale(LC_CTYPE, "C.UTF-8")
    }
}

private func printConsoleError(_ message: String) {
    FileHandle.standardError.write(Data("syncer-tui: \(TerminalText.escaped(message))\n".utf8))
}
