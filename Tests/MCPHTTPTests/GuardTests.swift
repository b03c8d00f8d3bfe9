import Foundation
import Testing
@testable import MCPHTTP

@Suite struct GuardTests {
    @Test func parsesBasicCredentials() {
        let header = "Basic " + Data("mcp@example.org:pa:ss".utf8).base64EncodedString()
        #expect(HTTPCredential.parseBasic(header)! == ("mcp@example.org", "pa:ss"))
        #expect(HTTPCredential.parseBasic("basic " + Data("u:".utf8).base64EncodedString())! == ("u", ""))
        for bad in ["", "Basic", "Bearer abc", "Basic !!!", "Basic " + Data("nocolon".utf8).base64EncodedString(),
                    "Basic " + Data(":pw".utf8).base64EncodedString(), "Basic " + String(repeating: "A", count: 9000)] {
            #expect(HTTPCredential.parseBasic(bad) == nil, "\(bad.prefix(30))")
        }
    }

    @Test func readsTokensFromEveryHeaderCMDBsyncerAccepts() {
        let token = "cmdb_pat_" + String(repeating: "Ab0-_", count: 8) + "xyz"
        let basic = "Basic " + Data("mcp@example.org:pw".utf8).base64EncodedString()
        #expect(HTTPCredential.parse(authorization: "Bearer \(token)", loginToken: nil) == .token(token))
        #expect(HTTPCredential.parse(authorization: "bearer  \(token) ", loginToken: nil) == .token(token))
        #expect(HTTPCredential.parse(authorization: token, loginToken: nil) == .token(token))
        #expect(HTTPCredential.parse(authorization: nil, loginToken: token) == .token(token))
        // A token wins over Basic, as in CMDBsyncer's REST API.
        #expect(HTTPCredential.parse(authorization: basic, loginToken: token) == .token(token))
        #expect(HTTPCredential.parse(authorization: basic, loginToken: nil) == .basic(login: "mcp@example.org", password: "pw"))
        #expect(HTTPCredential.parse(authorization: nil, loginToken: nil) == nil)
        #expect(HTTPCredential.parse(authorization: "   ", loginToken: "") == nil)
        for bad in ["Bearer abc", "Bearer cmdb_pat_", "Bearer cmdb_pat_a b", "cmdb_pat_%%", "Digest x", "Basic !!!",
                    "Bearer cmdb_pat_" + String(repeating: "a", count: 600)] {
            #expect(HTTPCredential.parse(authorization: bad, loginToken: nil) == .malformed, "\(bad.prefix(30))")
        }
        #expect(HTTPCredential.parse(authorization: nil, loginToken: "not-a-token") == .malformed)
        // Failures are counted under the login or the token's shown prefix, never the secret.
        #expect(HTTPCredential.token(token).throttleKey == "token:" + token.prefix(15))
        #expect(HTTPCredential.basic(login: "a", password: "b").throttleKey == "login:a")
    }

    @Test func recognisesLoopbackAuthorities() {
        for ok in ["localhost", "localhost:8765", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:8765", "LOCALHOST:1"] {
            #expect(OriginGuard.isLoopbackAuthority(ok), "\(ok)")
        }
        for bad in ["evil.example.com", "evil.example.com:8765", "127.0.0.2:8765", "localhost.evil.com", "", "[::2]:1"] {
            #expect(!OriginGuard.isLoopbackAuthority(bad), "\(bad)")
        }
    }

    @Test func matchesOriginsExactly() {
        let guardian = OriginGuard(configuration: .init(allowedOrigins: ["https://console.example.org"]))
        #expect(guardian.isAllowed(origin: "https://console.example.org", host: "127.0.0.1:8765", scheme: "http"))
        #expect(guardian.isAllowed(origin: "https://console.example.org:443", host: "127.0.0.1:8765", scheme: "http"))
        #expect(guardian.isAllowed(origin: "http://127.0.0.1:8765", host: "127.0.0.1:8765", scheme: "http"))
        #expect(guardian.isAllowed(origin: "HTTP://LOCALHOST:8765", host: "localhost:8765", scheme: "http"))
        // Another port, another name or another scheme for the same machine is another site.
        #expect(!guardian.isAllowed(origin: "http://localhost:3000", host: "127.0.0.1:8765", scheme: "http"))
        #expect(!guardian.isAllowed(origin: "http://localhost:8765", host: "127.0.0.1:8765", scheme: "http"))
        #expect(!guardian.isAllowed(origin: "https://127.0.0.1:8765", host: "127.0.0.1:8765", scheme: "http"))
        #expect(!guardian.isAllowed(origin: "http://console.example.org", host: "127.0.0.1:8765", scheme: "http"))
        #expect(!guardian.isAllowed(origin: "https://evil.example.com", host: "127.0.0.1:8765", scheme: "http"))
        #expect(!guardian.isAllowed(origin: "null", host: "127.0.0.1:8765", scheme: "http"))
        let remote = OriginGuard(configuration: .init(host: "0.0.0.0"))
        // Default ports are the same origin spelled either way.
        #expect(remote.isAllowed(origin: "https://mcp.example.org", host: "mcp.example.org", scheme: "https"))
        #expect(remote.isAllowed(origin: "https://mcp.example.org", host: "mcp.example.org:443", scheme: "https"))
        #expect(remote.isAllowed(origin: "http://mcp.example.org:80", host: "mcp.example.org", scheme: "http"))
        #expect(!remote.isAllowed(origin: "https://mcp.example.org", host: "mcp.example.org", scheme: "http"))
        #expect(!remote.isAllowed(origin: "http://localhost:3000", host: "mcp.example.org", scheme: "http"))
    }

    @Test func acceptsOnlyJSONBodies() {
        for ok in ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", " application/json "] {
            #expect(MCPHTTPRoutes.isJSON(ok), "\(ok)")
        }
        for bad in [nil, "", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    "application/jsonp", "text/json"] as [String?] {
            #expect(!MCPHTTPRoutes.isJSON(bad), "\(bad ?? "nil")")
        }
    }

    @Test func countsFailuresPerLoginAndPeerOverAMinute() {
        let limiter = LoginFailureLimiter(limit: 3)
        let start = Date()
        for i in 0..<3 { limiter.record("login:a", peer: "10.0.0.1", now: start.addingTimeInterval(Double(i))) }
        #expect(limiter.blockedFor("login:a", peer: "10.0.0.1", now: start.addingTimeInterval(3)) != nil)
        // Nobody else is locked out: not the same login elsewhere, not another login here.
        #expect(limiter.blockedFor("login:a", peer: "10.0.0.2", now: start.addingTimeInterval(3)) == nil)
        #expect(limiter.blockedFor("login:b", peer: "10.0.0.1", now: start.addingTimeInterval(3)) == nil)
        #expect(limiter.blockedFor("token:cmdb_pat_abcdef", peer: "10.0.0.1", now: start.addingTimeInterval(3)) == nil)
        #expect(limiter.blockedFor("login:a", peer: "10.0.0.1", now: start.addingTimeInterval(61)) == nil)
    }

    @Test func capsSSESessionsPerUserAndInTotal() async {
        let registry = SSESessionRegistry(capacity: 3, perOwnerCapacity: 2)
        guard case .success(let first) = await registry.openSession(ownerID: "alice") else { Issue.record("alice 1"); return }
        guard case .success = await registry.openSession(ownerID: "alice") else { Issue.record("alice 2"); return }
        guard case .failure(.ownerFull) = await registry.openSession(ownerID: "alice") else { Issue.record("alice 3"); return }
        guard case .success = await registry.openSession(ownerID: "bob") else { Issue.record("bob 1"); return }
        guard case .failure(.full) = await registry.openSession(ownerID: "carol") else { Issue.record("carol"); return }
        await registry.close(first.id)
        #expect(await registry.openSessions(ownerID: "alice") == 1)
        guard case .success = await registry.openSession(ownerID: "alice") else { Issue.record("alice again"); return }
    }
}
