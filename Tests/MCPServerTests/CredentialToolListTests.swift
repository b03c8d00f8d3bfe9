import Foundation
import MCPServer
import SyncerCore
import Testing

/// A read-only user sees the read-only tool list, as `--read-only` gives everyone, and a
/// session whose credential stopped working is refused request by request.
@Suite struct CredentialToolListTests {
    @Test func readOnlyUsersGetNoWriteTool() async throws {
        let f = try Fixture(hosts: 5)
        let full = try await f.request("tools/list")["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        let viewer = try await f.request("tools/list", as: Fixture.viewer)["result"]?["tools"]?.arrayValue?
            .compactMap { $0["name"]?.stringValue } ?? []
        let readOnlyServer = MCPServer(syncer: f.syncer, options: .init(readOnly: true))
        #expect(viewer == readOnlyServer.tools.map(\.name))
        #expect(full.contains("upsert_host") && !viewer.contains("upsert_host") && viewer.contains("list_hosts"))
        let refused = try await f.request("tools/call", ["name": "upsert_host", "arguments": ["hostname": "x", "account": "csvimport"]],
                                          as: Fixture.viewer)
        #expect(refused.errorCode == -32602)
        #expect(refused["error"]?["message"]?.stringValue?.hasPrefix("Invalid params: Unknown tool: upsert_host") == true)
        #expect(try await f.call("list_hosts", ["limit": 1], as: Fixture.viewer)["isError"] == false)
    }

    @Test func revokedSessionsGetTheSessionRevokedCode() throws {
        let f = try Fixture(hosts: 1)
        let reply = try JSONReader.parse(f.server.refuse(Data(#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#.utf8),
                                                        reason: "user 'x' has been disabled")!)
        #expect(reply["id"] == 7 && reply["error"]?["code"]?.intValue == MCPServer.sessionRevokedCode)
        #expect(MCPServer.sessionRevokedCode == -32001)
        #expect(reply["error"]?["message"] == "user 'x' has been disabled")
        // Notifications get no reply, refused or not.
        #expect(f.server.refuse(Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8), reason: "x") == nil)
    }
}
