import Foundation
import MCPHTTP
import MCPServer
import SyncerCore

/// libFuzzer entry points for the parsers that take untrusted input. Built only by
/// `scripts/fuzz` (coverage instrumentation, address sanitizer, `-DFUZZING`); the target
/// to run is chosen with `SYNCER_FUZZ_TARGET`: json, jsonrpc, bundle, basic, hash, token, autorule.
enum FuzzTarget: String, CaseIterable {
    case json, jsonrpc, bundle, basic, hash, token, autorule

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["SYNCER_FUZZ_TARGET"] ?? "json"
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("SYNCER_FUZZ_TARGET must be one of \(allCases.map(\.rawValue))")
        }
        return target
    }()

    /// One database for the targets that need one, in a temp folder for this process.
    static let syncer: Syncer = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("syncer-fuzz-\(getpid())")
        let syncer = try! Syncer.open(database: folder.appendingPathComponent("fuzz.sqlite").path,
                                      environment: ["CMDBSYNCER_CRYPTOGRAPHY_KEY": "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="])
        if (try? syncer.isEmpty()) == true { _ = try! syncer.fillDemo(hosts: 20, as: admin) }
        return syncer
    }()
    static let server = MCPServer(syncer: syncer)
    static let admin = Principal(name: "fuzz", apiRoles: [.all], readonly: false, source: "fuzz")
    static let bundleFile = FileManager.default.temporaryDirectory.appendingPathComponent("syncer-fuzz-\(getpid()).json").path

    func run(_ data: Data) {
        switch self {
        case .json:
            // Whatever parses must serialise and parse back to the same value.
            guard let value = try? JSONReader.parse(data) else { return }
            let again = try! JSONReader.parse(value.compactText)
            precondition(again == value, "JSON round trip changed the value")
        case .jsonrpc:
            let done = DispatchSemaphore(value: 0)
            Task {
                if let reply = await Self.server.handle(data, as: Self.admin) {
                    precondition((try? JSONReader.parse(reply)) != nil, "a reply that is not JSON")
                }
                done.signal()
            }
            done.wait()
        case .bundle:
            // The streaming file importer (JSON and JSONL), always as a preview so the
            // database never grows.
            FileManager.default.createFile(atPath: Self.bundleFile, contents: data)
            _ = try? Self.syncer.importBundle(file: Self.bundleFile, override: data.first.map { $0 & 1 == 1 } ?? false,
                                              preview: true, as: Self.admin)
        case .basic:
            _ = HTTPCredential.parseBasic(String(decoding: data, as: UTF8.self))
        case .token:
            // The first line is the Authorization header, the rest x-login-token.
            let text = String(decoding: data, as: UTF8.self)
            let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let credential = HTTPCredential.parse(authorization: parts.first, loginToken: parts.count > 1 ? parts[1] : nil)
            if case .token(let token)? = credential {
                precondition(APIToken.parse(token) != nil, "a token credential the token parser refuses")
                precondition(APIToken.hash(token).utf8.count == 64, "a token hash that is not SHA-256 hex")
            }
            if let plain = APIToken.parse(text) {
                precondition(plain.hasPrefix(APIToken.plaintextPrefix) && plain.utf8.count <= 512, "token parser bounds")
            }
        case .autorule:
            // Even bytes: the input is a template, rendered for a fixed host within its bounds.
            // Odd: the input is a label value, spliced into a fixed template, and must come
            // back as exactly that value in exactly the template's one field.
            let text = String(decoding: data.dropFirst(), as: UTF8.self)
            var host = HostObject(hostname: "fuzz.example.org")
            if data.first.map({ $0 & 1 == 0 }) ?? true {
                host.labels = ["a": "1", "list": "x"]
                host.inventory = ["k__list": .array((0..<50).map { .int($0) })]
                guard let template = try? AutoruleTemplate(text), let out = try? template.render(for: host) else { return }
                precondition(out.utf8.count <= 256 * 1024, "a render past the output bound")
            } else {
                host.labels = ["a": .string(text)]
                let template = try! AutoruleTemplate(#"{"name": "r-{{ a }}"}"#)
                let out = try! template.render(for: host)
                let parsed = try! JSONReader.parse(out)
                precondition(parsed == ["name": .string("r-" + text)], "host data changed the rendered document's shape")
            }
        case .hash:
            let text = String(decoding: data, as: UTF8.self)
            guard let parsed = PasswordHash.parse(text) else { return }
            // Verify only cheap parameters: the parser's bounds are tested, not scrypt.
            switch parsed.method {
            case .scrypt(let n, let r, let p) where n * r * p <= 1024: _ = PasswordHash.verify("secret", against: text)
            case .pbkdf2(_, let iterations) where iterations <= 1000: _ = PasswordHash.verify("secret", against: text)
            default: break
            }
        }
    }
}

#if FUZZING
/// libFuzzer's driver, started from the executable's entry point: SwiftPM links every
/// executable through `<module>_main`, so libFuzzer's own `main` cannot be used.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.selected.run(bytes.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}

@_cdecl("syncer_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in fuzzOne(bytes, size) }
}
#else
@main
struct FuzzUsage {
    static func main() {
        FileHandle.standardError.write(Data("syncer-fuzz is built and run by scripts/fuzz (libFuzzer, address sanitizer)\n".utf8))
        exit(2)
    }
}
#endif
