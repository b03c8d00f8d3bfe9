import Foundation
import SyncerConsole
import SyncerCore
import Testing

/// Drives the console without a terminal: keys in, reducer, effects run inline against a
/// real demo database, screen text out.
final class ConsoleHarness {
    let syncer: Syncer
    let runner: EffectRunner
    let directory: URL
    var state: AppState
    /// Text replaced on the screen before it is compared: random token ids and secrets.
    var masks: [(String, String)] = []

    /// A fixed clock keeps demo times (last seen, log times) stable in snapshots.
    static let fixedNow = Date(timeIntervalSince1970: 1_764_000_000)

    init(width: Int = 100, height: Int = 24, readOnly: Bool = false, hosts: Int = 200) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        syncer = try Syncer.open(database: directory.appendingPathComponent("demo.sqlite").path, environment: [:])
        syncer.now = { ConsoleHarness.fixedNow }
        let principal = Principal(name: "tester@console", apiRoles: [.all], readonly: readOnly, source: "console")
        _ = try syncer.fillDemo(hosts: hosts, as: Principal(name: "tester@console", apiRoles: [.all], readonly: false, source: "console"))
        runner = EffectRunner(syncer: syncer, principal: principal)
        state = AppState(width: width, height: height, readOnly: readOnly, location: "demo.sqlite")
        run(Reducer.start(&state))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Runs effects and the effects their results lead to, until none are left.
    func run(_ effects: [Effect]) {
        var queue = effects
        while !queue.isEmpty {
            let effect = queue.removeFirst()
            queue += Reducer.reduce(&state, runner.perform(effect))
        }
    }

    /// Types keys as `Key.sequence` reads them: "jj<Enter>", "<Esc>", "<C-u>".
    func press(_ keys: String) {
        for key in Key.sequence(keys) {
            guard let action = Keymap.action(for: key, in: state) else { continue }
            run(Reducer.reduce(&state, action))
        }
    }

    func resize(_ width: Int, _ height: Int) {
        run(Reducer.reduce(&state, .resize(width: width, height: height)))
    }

    var screen: String {
        var text = FrameRenderer.render(masks.isEmpty ? state : maskedState).snapshot
        for (random, shown) in masks { text = text.replacingOccurrences(of: random, with: shown) }
        return Snapshot.normalize(text).replacingOccurrences(of: directory.path, with: "<tmp>")
    }

    /// The state with `masks` applied to token data before drawing: a box drawn over a
    /// random id can leave a few of its characters showing, which no text mask would find.
    var maskedState: AppState {
        func m(_ text: String) -> String { masks.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) } }
        var copy = state
        copy.flash?.text = m(state.flash?.text ?? "")
        copy.modals = state.modals.map { modal in
            switch modal {
            case .tokens(var list):
                list.tokens = list.tokens?.map { token in
                    var token = token
                    token.tokenID = m(token.tokenID)
                    token.prefix = m(token.prefix)
                    return token
                }
                return .tokens(list)
            case .newToken(var created):
                created.tokenID = m(created.tokenID)
                created.plaintext = m(created.plaintext)
                return .newToken(created)
            case .confirm(var confirmation):
                confirmation.title = m(confirmation.title)
                confirmation.lines = confirmation.lines.map(m)
                return .confirm(confirmation)
            default:
                return modal
            }
        }
        return copy
    }
}

enum Snapshot {
    /// Object ids are random; everything else on screen is deterministic.
    static func normalize(_ text: String) -> String {
        text.replacingOccurrences(of: "[0-9a-f]{24}", with: "<object-id>", options: .regularExpression)
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__snapshots__")

    /// Compares `text` with the committed snapshot `name`; records it when missing (or
    /// with SNAPSHOT_RECORD=1) so a new snapshot is reviewed in the diff, not guessed.
    static func check(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let file = directory.appendingPathComponent(name + ".txt")
        let record = ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1"
        if !record, let stored = try? String(contentsOf: file, encoding: .utf8) {
            #expect(text + "\n" == stored, "screen differs from __snapshots__/\(name).txt:\n\(text)", sourceLocation: sourceLocation)
        } else {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try? (text + "\n").write(to: file, atomically: true, encoding: .utf8)
        }
    }
}
