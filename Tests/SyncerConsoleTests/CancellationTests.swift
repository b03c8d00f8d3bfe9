import Foundation
import SyncerCore
import Testing
@testable import SyncerConsole

@Suite struct CancellationTests {
    /// Esc on a running export or import asks the store to stop it (it rolls back);
    /// the late failure that follows only reaches the status line.
    @Test func escStopsARunningExportInTheStore() throws {
        var state = AppState(width: 100, height: 24)
        _ = Reducer.reduce(&state, .goTo(.rules))
        let effects = Reducer.startWrite(&state, .export(ExportRequest(path: "/tmp/x.json", ruleType: nil, includeHosts: true)))
        guard case .write(let id, _)? = effects.first else { Issue.record("no write effect"); return }
        #expect(FrameRenderer.render(state).snapshot.contains("(Esc cancels)"))
        let cancel = Reducer.reduce(&state, Keymap.action(for: .escape, in: state)!)
        guard case .interruptWork? = cancel.first else { Issue.record("Esc did not interrupt: \(cancel)"); return }
        #expect(state.task == nil)
        _ = Reducer.reduce(&state, .failed(taskID: id, message: SyncerError.interrupted.description))
        #expect(state.task == nil)
        #expect(FrameRenderer.render(state).snapshot.contains("stopped on request"))
    }

    @Test func shortWritesAreNotCancellable() throws {
        var state = AppState(width: 100, height: 24)
        _ = Reducer.startWrite(&state, .triggerCron("nightly"))
        #expect(state.task?.cancellable == false)
        #expect(Reducer.cancelTask(&state).isEmpty)
        #expect(state.task != nil)
    }
}
