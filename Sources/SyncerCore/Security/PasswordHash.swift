import Crypto
import _CryptoExtras
import Foundation

/// Werkzeug password hashes, as CMDBsyncer stores them in `users.pwdhash`:
/// `scrypt:N:r:p$<salt>$<hex>` and `pbkdf2:<digest>:<iterations>$<salt>$<hex>`.
/// Users exported from CMDBsyncer log in here, and our hashes log in there.
public enum PasswordHash {
    public enum Method: Equatable, Sendable {
        case scrypt(n: Int, r: Int, p: Int)
        case pbkdf2(digest: String, iterations: Int)
    }

    public struct Parsed: Equatable, Sendable {
        public var method: Method
        public var salt: String
        public var hash: [UInt8]
    }

    /// What `make` uses: werkzeug 3's default.
    public static let defaultMethod = Method.scrypt(n: 32768, r: 8, p: 1)

    /// Upper bounds that keep a hostile hash (from an imported bundle) from pinning a core
    /// or allocating gigabytes: werkzeug's defaults are far below them.
    static let maxScryptMemory = 256 * 1024 * 1024
    static let maxPBKDF2Iterations = 10_000_000

    public static func parse(_ text: String) -> Parsed? {
        let parts = text.split(separator: "$", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let hash = Hex.decode(parts[2]), !hash.isEmpty, hash.count <= 512 else { return nil }
        let salt = String(parts[1])
        let spec = parts[0].split(separator: ":", omittingEmptySubsequences: false)
        switch spec.first {
        case "scrypt":
            guard spec.count == 4, let n = Int(spec[1]), let r = Int(spec[2]), let p = Int(spec[3]),
                n > 1, n & (n - 1) == 0, (1...64).contains(r), (1...16).contains(p),
                128 * n * r * p <= maxScryptMemory
            else { return nil }
            return Parsed(method: .scrypt(n: n, r: r, p: p), salt: salt, hash: hash)
        case "pbkdf2":
            guard spec.count == 3, ["sha256", "sha512", "sha1"].contains(spec[1]),
                let iterations = Int(spec[2]), (1...maxPBKDF2Iterations).contains(iterations)
            else { return nil }
            return Parsed(method: .pbkdf2(digest: String(spec[1]), iterations: iterations), salt: salt, hash: hash)
        default:
            return nil
        }
    }

    /// True if `password` matches `stored`. A malformed hash never matches.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = parse(stored),
            let derived = try? derive(password, salt: parsed.salt, method: parsed.method, length: parsed.hash.count)
        else { return false }
        return constantTimeEqual(derived, parsed.hash)
    }

    /// A new hash in werkzeug's format with a 16-character random salt.
    public static func make(_ password: String, method: Method = defaultMethod) throws -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var rng = SystemRandomNumberGenerator()
        let salt = String((0..<16).map { _ in alphabet[Int(rng.next(upperBound: UInt(alphabet.count)))] })
        let length: Int
        let prefix: String
        switch method {
        case .scrypt(let n, let r, let p):
            length = 64; prefix = "scrypt:\(n):\(r):\(p)"
        case .pbkdf2(let digest, let iterations):
            length = digest == "sha512" ? 64 : digest == "sha1" ? 20 : 32
            prefix = "pbkdf2:\(digest):\(iterations)"
        }
        let derived = try derive(password, salt: salt, method: method, length: length)
        return "\(prefix)$\(salt)$\(Hex.encode(derived))"
    }

    static func derive(_ password: String, salt: String, method: Method, length: Int) throws -> [UInt8] {
        let key: SymmetricKey
        switch method {
        case .scrypt(let n, let r, let p):
            // werkzeug passes maxmem = 132 * n * r * p to hashlib.
            key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: Array(salt.utf8), outputByteCount: length,
                rounds: n, blockSize: r, parallelism: p, maxMemory: 132 * n * r * p)
        case .pbkdf2(let digest, let iterations):
            let function: KDF.Insecure.PBKDF2.HashFunction =
                digest == "sha512" ? .sha512 : digest == "sha1" ? .insecureSHA1 : .sha256
            // Verification must accept what werkzeug made, including older low round counts.
            key = try KDF.Insecure.PBKDF2.deriveKey(
                from: Array(password.utf8), salt: Array(salt.utf8), using: function,
                outputByteCount: length, unsafeUncheckedRounds: iterations)
        }
        return key.withUnsafeBytes { Array($0) }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
