import Foundation
import MCPServer
import SyncerCore

/// A fresh SQLite database in a temp folder, filled with the demo data (50 hosts, demo
/// users with password `demo-password`), and an MCP core over it.
final class Fixture {
    let folder: URL
    let syncer: Syncer
    let server: MCPServer

    init(readOnly: Bool = false, hosts: Int = 50) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        syncer = try Syncer.open(database: folder.appendingPathComponent("syncer.sqlite").path, environment: [:])
        _ = try syncer.fillDemo(hosts: hosts, as: .localOperator(source: "test"))
        server = MCPServer(syncer: syncer, options: .init(readOnly: readOnly))
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    static let mcp = Principal(name: "mcp@example.org", apiRoles: [.mcp], readonly: false, source: "mcp")
    static let admin = Principal(name: "admin@example.org", apiRoles: [.all], readonly: false, source: "mcp")
    static let viewer = Principal(name: "viewer@example.org", apiRoles: [.mcp], readonly: true, source: "mcp")

    /// Sends one raw line through the transport-free core; nil when no reply.
    func send(_ line: String, as principal: Principal = Fixture.mcp) async throws -> JSONValue? {
        guard let reply = await server.handle(Data(line.utf8), as: principal) else { return nil }
        return try JSONReader.parse(reply)
    }

    /// Sends a request built from method and params; returns the whole reply.
    func request(_ method: String, _ params: JSONValue? = nil, id: JSONValue = 1, as principal: Principal = Fixture.mcp) async throws -> JSONValue {
        var message: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { message["params"] = params }
        return try await send(JSONValue.object(message).compactText, as: principal)!
    }

    /// Calls a tool; returns the `result` object (or the whole reply if it is an error).
    func call(_ tool: String, _ arguments: JSONObject = [:], as principal: Principal = Fixture.mcp) async throws -> JSONValue {
        let reply = try await request("tools/call", .object(["name": .string(tool), "arguments": .object(arguments)]), as: principal)
        return reply["result"] ?? reply
    }
}

extension JSONValue {
    var errorCode: Int64? { self["error"]?["code"]?.intValue }
    var isToolError: Bool { self["isError"]?.boolValue == true }
    var text: String? { self["content"]?.arrayValue?.first?["text"]?.stringValue }
}
