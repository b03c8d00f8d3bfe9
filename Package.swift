// swift-tools-version:6.1
import PackageDescription

// Swift 5 language mode: the store and front ends share state through locks and GRDB pools,
// which strict Swift 6 checking cannot see through without unchecked annotations everywhere.
let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "cmdbsyncer-swift",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SyncerCore", targets: ["SyncerCore"]),
        .executable(name: "syncer-tui", targets: ["syncer-tui"]),
        .executable(name: "cmdbsyncer-mcp", targets: ["cmdbsyncer-mcp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/stencilproject/Stencil", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.12.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // Already in the graph through Hummingbird; named because MCPHTTP adds a channel handler.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
    ],
    targets: [
        .target(
            name: "SyncerCore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Stencil", package: "Stencil"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: v5
        ),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        .target(
            name: "MCPServer",
            dependencies: ["SyncerCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: v5
        ),
        // The console's state, key bindings, reducer and screens, rendering into an
        // in-memory grid: no ncurses here, so tests drive it headless.
        .target(name: "SyncerConsole", dependencies: ["SyncerCore"], swiftSettings: v5),
        .executableTarget(
            name: "syncer-tui",
            dependencies: [
                "SyncerCore", "SyncerConsole", "CNcurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: v5
        ),
        // HTTP transports; Hummingbird stays out of every other target (its first build is long).
        .target(
            name: "MCPHTTP",
            dependencies: [
                "SyncerCore", "MCPServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: v5
        ),
        .executableTarget(
            name: "cmdbsyncer-mcp",
            dependencies: [
                "SyncerCore", "MCPServer", "MCPHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: v5
        ),
        // libFuzzer targets for the untrusted-input parsers; `scripts/fuzz` builds and runs them.
        .executableTarget(
            name: "syncer-fuzz",
            dependencies: ["SyncerCore", "MCPServer", "MCPHTTP"],
            swiftSettings: v5 + [.unsafeFlags(["-parse-as-library"])]
        ),
        .testTarget(name: "SyncerCoreTests", dependencies: ["SyncerCore"], swiftSettings: v5),
        .testTarget(name: "SyncerTUITests", dependencies: ["SyncerCore"], swiftSettings: v5),
        .testTarget(name: "SyncerConsoleTests", dependencies: ["SyncerConsole", "SyncerCore"], exclude: ["__snapshots__"],
                    swiftSettings: v5),
        .testTarget(name: "MCPServerTests", dependencies: ["MCPServer", "SyncerCore"], exclude: ["__toolsnaps__"],
                    swiftSettings: v5),
        .testTarget(name: "MCPHTTPTests", dependencies: ["MCPHTTP"], swiftSettings: v5),
    ]
)
