import Foundation
import Testing
@testable import MCPHTTP

@Suite struct GuardTests {
    @Test func parsesBasicCredentials() {
        let header = "Basic " + Data("mcp@example.org:pa:ss".utf8).base64EncodedString()
        #expect(BasicAuthentication.parseBasic(header)! == ("mcp@example.org", "pa:ss"))
        #expect(BasicAuthentication.parseBasic("basic " + Data("u:".utf8).base64EncodedString())! == ("u", ""))
        for bad in ["", "Basic", "Bearer abc", "Basic !!!", "Basic " + Data("nocolon".utf8).base64EncodedString(),
                    "Basic " + Data(":pw".utf8).base64EncodedString(), "Basic " + String(repeating: "A", count: 9000)] {
            #expect(BasicAuthentication.parseBasic(bad) == nil, "\(bad.prefix(30))")
        }
    }

    @Test func recognisesLoopbackAuthorities() {
        for ok in ["localhost", "localhost:8765", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:8765", "LOCALHOST:1"] {
            #expect(OriginGuard.isLoopbackAuthority(ok), "\(ok)")
        }
        for bad in ["evil.example.com", "evil.example.com:8765", "127.0.0.2:8765", "localhost.evil.com", "", "[::2]:1"] {
            #expect(!OriginGuard.isLoopbackAuthority(bad), "\(bad)")
        }
    }

    @Test func matchesOrigins() {
        let guardian = OriginGuard(configuration: .init(allowedOrigins: ["https://console.example.org"]))
        #expect(guardian.isAllowed(origin: "https://console.example.org", host: "127.0.0.1:8765"))
        #expect(guardian.isAllowed(origin: "http://127.0.0.1:8765", host: "127.0.0.1:8765"))
        #expect(guardian.isAllowed(origin: "http://localhost:3000", host: "127.0.0.1:8765"))  // bound to loopback
        #expect(!guardian.isAllowed(origin: "https://evil.example.com", host: "127.0.0.1:8765"))
        #expect(!guardian.isAllowed(origin: "null", host: "127.0.0.1:8765"))
        let remote = OriginGuard(configuration: .init(host: "0.0.0.0"))
        #expect(remote.isAllowed(origin: "https://mcp.example.org", host: "mcp.example.org"))
        #expect(!remote.isAllowed(origin: "http://localhost:3000", host: "mcp.example.org"))
    }

    @Test func countsFailuresPerPeerOverAMinute() {
        let limiter = LoginFailureLimiter(limit: 3)
        let start = Date()
        for i in 0..<3 { limiter.record("10.0.0.1", now: start.addingTimeInterval(Double(i))) }
        #expect(limiter.blockedFor("10.0.0.1", now: start.addingTimeInterval(3)) != nil)
        #expect(limiter.blockedFor("10.0.0.2", now: start.addingTimeInterval(3)) == nil)
        #expect(limiter.blockedFor("10.0.0.1", now: start.addingTimeInterval(61)) == nil)
    }
}
