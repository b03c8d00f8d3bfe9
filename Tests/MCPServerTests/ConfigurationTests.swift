import Foundation
import MCPServer
import Testing

/// Flags win over environment variables, variables over defaults (DESIGN.md's table).
@Suite struct ConfigurationTests {
    @Test func defaults() throws {
        let c = try MCPConfiguration.resolve(.init(), environment: [:])
        #expect(c.transport == .stdio && c.host == "127.0.0.1" && c.port == 8765)
        #expect(c.user == nil && c.password == nil && !c.readOnly && !c.allowInsecureAPIAuth)
        #expect(c.trustedProxies == 0 && c.allowedOrigins.isEmpty && c.maxBodyBytes == 16 << 20)
    }

    @Test func environmentFillsIn() throws {
        let env = [
            "CMDBSYNCER_MCP_TRANSPORT": "sse", "CMDBSYNCER_MCP_HOST": "0.0.0.0", "CMDBSYNCER_MCP_PORT": "9000",
            "CMDBSYNCER_API_USER": "u", "CMDBSYNCER_API_PASSWORD": "p", "CMDBSYNCER_ALLOW_INSECURE_API_AUTH": "1",
            "CMDBSYNCER_TRUSTED_PROXIES": "2", "CMDBSYNCER_MCP_READ_ONLY": "1",
            "CMDBSYNCER_MCP_ALLOWED_ORIGINS": "https://a.example, https://b.example",
        ]
        let c = try MCPConfiguration.resolve(.init(), environment: env)
        #expect(c.transport == .sse && c.host == "0.0.0.0" && c.port == 9000)
        #expect(c.user == "u" && c.password == "p" && c.allowInsecureAPIAuth && c.trustedProxies == 2 && c.readOnly)
        #expect(c.allowedOrigins == ["https://a.example", "https://b.example"])
    }

    @Test func flagsWin() throws {
        var flags = MCPConfiguration.Flags()
        flags.user = "flag-user"; flags.password = "flag-pw"; flags.port = 1234; flags.transport = "stdio"
        let env = ["CMDBSYNCER_API_USER": "env-user", "CMDBSYNCER_API_PASSWORD": "env-pw", "CMDBSYNCER_MCP_PORT": "9000",
                   "CMDBSYNCER_MCP_TRANSPORT": "sse"]
        let c = try MCPConfiguration.resolve(flags, environment: env)
        #expect(c.user == "flag-user" && c.password == "flag-pw" && c.port == 1234 && c.transport == .stdio)
    }

    @Test func invalidValuesAreNamed() throws {
        #expect(throws: MCPConfiguration.Invalid.self) {
            try MCPConfiguration.resolve(.init(), environment: ["CMDBSYNCER_MCP_TRANSPORT": "carrier-pigeon"])
        }
        #expect(throws: MCPConfiguration.Invalid.self) {
            try MCPConfiguration.resolve(.init(), environment: ["CMDBSYNCER_MCP_PORT": "http"])
        }
        var flags = MCPConfiguration.Flags()
        flags.maxBodyBytes = 10
        #expect(throws: MCPConfiguration.Invalid.self) { try MCPConfiguration.resolve(flags, environment: [:]) }
        let off = try MCPConfiguration.resolve(.init(), environment: ["CMDBSYNCER_MCP_READ_ONLY": "0"])
        #expect(!off.readOnly)
    }

    @Test func booleansAreStrict() throws {
        for name in ["CMDBSYNCER_MCP_READ_ONLY", "CMDBSYNCER_ALLOW_INSECURE_API_AUTH"] {
            for on in ["1", "true", "YES", "On"] {
                let c = try MCPConfiguration.resolve(.init(), environment: [name: on])
                #expect(name.hasSuffix("READ_ONLY") ? c.readOnly : c.allowInsecureAPIAuth, "\(name)=\(on)")
            }
            for off in ["0", "false", "No", "OFF", ""] {
                let c = try MCPConfiguration.resolve(.init(), environment: [name: off])
                #expect(!c.readOnly && !c.allowInsecureAPIAuth, "\(name)=\(off)")
            }
            for bad in ["enabled", "2", "y", "disable"] {
                let error = #expect(throws: MCPConfiguration.Invalid.self) {
                    try MCPConfiguration.resolve(.init(), environment: [name: bad])
                }
                #expect(error?.description == "\(name) must be one of 1/0/true/false/yes/no/on/off, got '\(bad)'")
            }
        }
    }

    @Test func tokenAndPerUserSessionLimit() throws {
        let c = try MCPConfiguration.resolve(.init(), environment: [
            "CMDBSYNCER_API_TOKEN": "cmdb_pat_x", "CMDBSYNCER_MCP_MAX_SSE_SESSIONS_PER_USER": "4"])
        #expect(c.token == "cmdb_pat_x" && c.limits.maxSSESessionsPerUser == 4)
        #expect(try MCPConfiguration.resolve(.init(), environment: [:]).limits.maxSSESessionsPerUser == 32)
        var flags = MCPConfiguration.Flags()
        flags.token = "cmdb_pat_flag"; flags.maxSSESessionsPerUser = 2
        let f = try MCPConfiguration.resolve(flags, environment: ["CMDBSYNCER_API_TOKEN": "cmdb_pat_env"])
        #expect(f.token == "cmdb_pat_flag" && f.limits.maxSSESessionsPerUser == 2)
    }

    @Test func resourceLimitsComeFromFlagsAndVariables() throws {
        let defaults = try MCPConfiguration.resolve(.init(), environment: [:]).limits
        #expect(defaults == MCPConfiguration.Limits())
        let env = [
            "CMDBSYNCER_MCP_MAX_CONNECTIONS": "100", "CMDBSYNCER_MCP_MAX_SSE_SESSIONS": "7", "CMDBSYNCER_MCP_IDLE_TIMEOUT": "5",
            "CMDBSYNCER_MCP_REQUEST_TIMEOUT": "6", "CMDBSYNCER_MCP_WRITE_TIMEOUT": "8", "CMDBSYNCER_MCP_MAX_IN_FLIGHT": "3",
            "CMDBSYNCER_MCP_MAX_QUEUED_BYTES": "1048576", "CMDBSYNCER_MCP_MAX_BODY_BYTES": "4096",
        ]
        var flags = MCPConfiguration.Flags()
        flags.maxInFlight = 9
        let c = try MCPConfiguration.resolve(flags, environment: env)
        #expect(c.limits.maxConnections == 100 && c.limits.maxSSESessions == 7 && c.limits.idleTimeout == 5)
        #expect(c.limits.requestTimeout == 6 && c.limits.writeTimeout == 8 && c.limits.maxQueuedBytes == 1 << 20)
        #expect(c.limits.maxInFlight == 9 && c.maxBodyBytes == 4096)  // the flag wins
        var zero = MCPConfiguration.Flags()
        zero.idleTimeout = 0
        let error = #expect(throws: MCPConfiguration.Invalid.self) { try MCPConfiguration.resolve(zero, environment: [:]) }
        #expect(error?.description == "--idle-timeout must be between 1 and 86400, got 0")
        #expect(throws: MCPConfiguration.Invalid.self) {
            try MCPConfiguration.resolve(.init(), environment: ["CMDBSYNCER_MCP_MAX_CONNECTIONS": "lots"])
        }
    }
}
