import Foundation
import SyncerConsole
import SyncerCore
import Testing

@Suite struct RulesScreenTests {
    @Test func typesWithCountsThenRulesThenDocument() throws {
        let console = try ConsoleHarness()
        console.press("4")
        let index = console.state.ruleTypes.firstIndex { $0.type == "cron_groups" }!
        console.press(String(repeating: "j", count: index) + "<Enter>")
        Snapshot.check(console.screen, "rules-of-type")
        console.press("<Enter>")
        #expect(console.screen.contains("\"name\": \"nightly\""))
        console.press("qq")
        #expect(console.state.page == .ruleTypes)
    }

    @Test func usersDocumentsNeverShowPasswordHashes() throws {
        let console = try ConsoleHarness()
        console.press("4")
        let index = console.state.ruleTypes.firstIndex { $0.type == "users" }!
        console.press(String(repeating: "j", count: index) + "<Enter><Enter>")
        #expect(console.screen.contains("\"pwdhash\": \"(hidden)\""))
        #expect(!console.screen.contains("scrypt:") && !console.screen.contains("pbkdf2:"))
    }

    @Test func exportOneTypeThenImportWithPreview() throws {
        let console = try ConsoleHarness()
        let file = console.directory.appendingPathComponent("cron.json").path
        console.press("4")
        let index = console.state.ruleTypes.firstIndex { $0.type == "cron_groups" }!
        console.press(String(repeating: "j", count: index) + "<Enter>")
        console.press("e<C-u>\(file)<Tab> <Enter>")  // the "Only cron_groups" toggle is on already; Space turns it off
        #expect(console.screen.contains("Exported"))
        let exported = try String(contentsOfFile: file, encoding: .utf8)
        #expect(exported.contains("cron_groups") && exported.contains("\"hosts\"") == false)

        // A bundle with one rule already there (duplicate), one new, and an unknown type.
        let bundle = console.directory.appendingPathComponent("bundle.json").path
        let existing = try console.syncer.exportRules(ofType: "cron_groups", as: console.runner.principal)[0]
        var fresh = existing
        fresh["_id"] = ObjectID.generate().json
        fresh["name"] = "weekly"
        let payload: JSONValue = .object(["rules": .object([
            "cron_groups": .array([.object(existing), .object(fresh)]),
            "some_plugin_rules": .array([.object(["name": "x"])]),
        ])])
        try JSONWriter(indent: 2).string(payload).write(toFile: bundle, atomically: true, encoding: .utf8)
        let before = try console.syncer.cronStatus().count

        console.press("q4i\(bundle)<Enter><Enter>")
        Snapshot.check(console.screen, "rules-import-preview")
        #expect(try console.syncer.cronStatus().count == before)
        console.press("<Esc>")
        #expect(try console.syncer.cronStatus().count == before)

        console.press("i\(bundle)<Enter><Enter>import<Enter>")
        #expect(try console.syncer.cronStatus().count == before + 1)
        #expect(console.screen.contains("Imported 1 documents"))
    }

    @Test func importOfAMissingFileIsAnErrorOnTheStatusLine() throws {
        let console = try ConsoleHarness()
        console.press("4i/nonexistent/bundle.json<Enter><Enter>")
        #expect(console.screen.contains("cannot read /nonexistent/bundle.json"))
        #expect(console.state.task == nil)
    }

    @Test func aCancelledPreviewIsNeverShown() throws {
        var state = AppState(width: 100, height: 24)
        _ = Reducer.reduce(&state, .goTo(.rules))
        _ = Reducer.reduce(&state, .importRules)
        for c in "b.json" { _ = Reducer.reduce(&state, .insert(c)) }
        _ = Reducer.reduce(&state, .submit)
        let effects = Reducer.reduce(&state, .submit)
        guard case .previewImport(let id, _, _)? = effects.first else { Issue.record("no preview effect"); return }
        #expect(FrameRenderer.render(state).snapshot.contains("(Esc cancels)"))
        _ = Reducer.reduce(&state, Keymap.action(for: .escape, in: state)!)
        _ = Reducer.reduce(&state, .loaded(.importPreview(taskID: id, path: "b.json", override: false, report: ImportReport())))
        #expect(state.modals.isEmpty)
        #expect(state.task == nil)
    }

    @Test func accountsListAndDetailWithoutPasswords() throws {
        let console = try ConsoleHarness()
        console.press("3")
        Snapshot.check(console.screen, "accounts-list")
        console.press("j<Enter>")
        #expect(console.screen.contains("(never shown here)"))
        #expect(!console.screen.contains("gAAAA"))  // a Fernet token
    }
}
