import Foundation
import MCPServer
import SyncerCore
import Testing

/// JSON-RPC and MCP error paths through the transport-free core, on a real SQLite file.
@Suite struct ProtocolTests {
    /// One database for the whole suite: these tests only read (or fail before writing).
    static let shared = Result { try Fixture() }
    let f: Fixture
    init() throws { f = try Self.shared.get() }

    @Test(arguments: ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
    func handshakeEchoesSupportedVersions(_ version: String) async throws {
        let reply = try await f.request("initialize", ["protocolVersion": .string(version), "capabilities": [:],
                                                       "clientInfo": ["name": "t", "version": "1"]])
        #expect(reply["result"]?["protocolVersion"]?.stringValue == version)
        #expect(reply["result"]?["capabilities"]?["tools"] != nil)
        #expect(reply["result"]?["capabilities"]?["resources"] != nil)
        #expect(reply["result"]?["capabilities"]?["completions"] != nil)
        #expect(reply["result"]?["serverInfo"]?["name"] == "cmdbsyncer-mcp")
    }

    @Test func handshakeOffersLatestForUnknownVersion() async throws {
        let reply = try await f.request("initialize", ["protocolVersion": "2026-07-28", "capabilities": [:]])
        #expect(reply["result"]?["protocolVersion"] == "2025-11-25")
        let bad = try await f.request("initialize", ["capabilities": [:]])
        #expect(bad.errorCode == -32602)
    }

    @Test func pingAnswersEmptyObject() async throws {
        let reply = try await f.request("ping", id: "abc")
        #expect(reply == ["jsonrpc": "2.0", "id": "abc", "result": [:]])
    }

    @Test(arguments: ["server/discover", "prompts/list", "logging/setLevel", "nope"])
    func unknownMethodIsMethodNotFound(_ method: String) async throws {
        let reply = try await f.request(method, id: 7)
        #expect(reply.errorCode == -32601)
        #expect(reply["id"] == 7)
    }

    @Test(arguments: ["not json", "{", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} x", "\u{FEFF}", "nul"])
    func parseErrorHasNullID(_ line: String) async throws {
        let reply = try #require(try await f.send(line))
        #expect(reply.errorCode == -32700)
        #expect(reply["id"] == .null)
    }

    @Test func invalidUTF8IsAParseError() async throws {
        var bytes = Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("\"}".utf8)
        let reply = try JSONReader.parse(try #require(await f.server.handle(Data(bytes), as: Fixture.mcp)))
        #expect(reply.errorCode == -32700)
        #expect(reply["id"] == .null)
    }

    @Test(arguments: ["{}", "[]", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", "1", "\"ping\"", "null",
                      "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}"])
    func invalidRequestHasNullID(_ line: String) async throws {
        let reply = try #require(try await f.send(line))
        #expect(reply.errorCode == -32600)
        #expect(reply["id"] == .null)
    }

    @Test func invalidRequestKeepsAReadableID() async throws {
        let reply = try #require(try await f.send("{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}"))
        #expect(reply.errorCode == -32600)
        #expect(reply["id"] == 5)
        let noMethod = try #require(try await f.send("{\"jsonrpc\":\"2.0\",\"id\":\"q\"}"))
        #expect(noMethod.errorCode == -32600)
        #expect(noMethod["id"] == "q")
    }

    @Test func notificationsAndResponsesGetNoReply() async throws {
        #expect(try await f.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}") == nil)
        #expect(try await f.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}") == nil)
        #expect(try await f.send("{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"delete_host\"}}") == nil)
        #expect(try await f.send("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}") == nil)
    }

    @Test func badToolParamsAreInvalidParams() async throws {
        let cases: [JSONValue] = [
            ["name": "get_host", "arguments": [:]],  // missing required
            ["name": "get_host", "arguments": ["hostname": 5]],  // wrong type
            ["name": "get_host", "arguments": ["hostname": .null]],  // null for a required one
            ["name": "list_hosts", "arguments": ["limit": "10"]],
            ["name": "list_hosts", "arguments": ["limit": 1.5]],
            ["name": "export_all_rules", "arguments": ["include_hosts": "yes"]],
            ["name": "upsert_host", "arguments": ["hostname": "h", "account": "csvimport", "labels": []]],
            ["name": "list_hosts", "arguments": ["bogus": 1]],  // undeclared argument
            ["name": "list_hosts", "arguments": []],  // arguments not an object
            ["name": "no_such_tool", "arguments": [:]],
            ["arguments": [:]],  // no name
        ]
        for params in cases {
            let reply = try await f.request("tools/call", params)
            #expect(reply.errorCode == -32602, "\(params.compactText) → \(reply.compactText)")
        }
    }

    @Test func outOfRangeValuesAreToolErrors() async throws {
        for (tool, args) in [("list_hosts", ["start": -1]), ("list_hosts", ["limit": 0]), ("list_hosts", ["limit": 1001]),
                             ("get_recent_logs", ["limit": 5000]), ("get_host", ["hostname": "nope.example.org"]),
                             ("get_account", ["name": "nope"]), ("export_rules", ["rule_type": "nope"]),
                             ("trigger_cron_group", ["group_name": "nope"]), ("list_hosts", ["cursor": "garbage"])] as [(String, JSONObject)] {
            let result = try await f.call(tool, args)
            #expect(result.isToolError, "\(tool) \(JSONValue.object(args).compactText) → \(result.compactText)")
            #expect(!(result.text ?? "").isEmpty)
            #expect(result["structuredContent"] == nil)
        }
    }

    @Test func integralDoublesAreIntegers() async throws {
        let result = try await f.call("list_hosts", ["limit": 2.0])
        #expect(result["structuredContent"]?["limit"] == 2)
    }

    @Test func resourcesErrors() async throws {
        #expect(try await f.request("resources/read", ["uri": "cmdbsyncer://hosts/nope"]).errorCode == -32002)
        #expect(try await f.request("resources/read", ["uri": "cmdbsyncer://rules/nope"]).errorCode == -32002)
        #expect(try await f.request("resources/read", ["uri": "file:///etc/passwd"]).errorCode == -32002)
        #expect(try await f.request("resources/read", ["uri": "cmdbsyncer://hosts/"]).errorCode == -32002)
        #expect(try await f.request("resources/read", [:]).errorCode == -32602)
        #expect(try await f.request("tools/list", ["cursor": "x"]).errorCode == -32602)
    }

    @Test func paramsMustBeAnObject() async throws {
        let reply = try #require(try await f.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":[1]}"))
        #expect(reply.errorCode == -32602)
    }
}
