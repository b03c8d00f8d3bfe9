import Foundation
@testable import SyncerCore

/// A syncer on a fresh SQLite file in its own temp folder (removed when the test ends
/// with the process; folders are unique, so tests run in parallel).
final class TestDatabase {
    let folder: URL
    let path: String
    let syncer: Syncer

    init(environment: [String: String] = [:]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("syncer-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("syncer.sqlite").path
        syncer = Syncer(store: try SQLiteStore(path: path), environment: environment)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Another independent connection pool on the same file, as a second process has.
    func reopen() throws -> Syncer { Syncer(store: try SQLiteStore(path: path), environment: [:]) }
}

let admin = Principal(name: "admin@example.org", apiRoles: [.all], readonly: false, source: "test")
let mcpUser = Principal(name: "mcp@example.org", apiRoles: [.mcp], readonly: false, source: "mcp")
let readonlyUser = Principal(name: "viewer@example.org", apiRoles: [.mcp], readonly: true, source: "mcp")

/// The real export of CMDBsyncer 4.4.0 (a copy of shared/fixtures, kept in the repo).
let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/cmdbsyncer-4.4-export.json").path

func fixture() throws -> JSONValue { try JSONReader.parse(try Data(contentsOf: URL(fileURLWithPath: fixturePath))) }

func json(_ text: String) throws -> JSONValue { try JSONReader.parse(text) }
