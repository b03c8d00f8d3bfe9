import Crypto
import _CryptoExtras
import Foundation

/// Fernet tokens (the `cryptography` package's format), which CMDBsyncer uses for
/// `accounts.password_crypted`. With the same key, account passwords exported by
/// CMDBsyncer decrypt here and ours decrypt there.
///
/// Token: base64url(0x80 ‖ time(8, BE) ‖ IV(16) ‖ AES-128-CBC(PKCS7) ‖ HMAC-SHA256(32)).
public struct Fernet: Sendable {
    private let signingKey: SymmetricKey
    private let encryptionKey: SymmetricKey

    /// `key` is the 32-byte key in urlsafe base64, as `Fernet.generate_key()` prints it.
    public init(key: String) throws {
        guard let raw = Self.base64URLDecode(key.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32 else {
            throw SyncerError.crypto("the Fernet key must be 32 bytes in urlsafe base64 (44 characters)")
        }
        signingKey = SymmetricKey(data: raw.prefix(16))
        encryptionKey = SymmetricKey(data: raw.suffix(16))
    }

    public static func generateKey() -> String {
        base64URLEncode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    public func encrypt(_ plaintext: String, now: Date = Date()) throws -> String {
        let iv = AES._CBC.IV()
        let ciphertext = try AES._CBC.encrypt(Array(plaintext.utf8), using: encryptionKey, iv: iv)
        var token = Data([0x80])
        let seconds = UInt64(max(0, now.timeIntervalSince1970))
        for shift in stride(from: 56, through: 0, by: -8) { token.append(UInt8(seconds >> UInt64(shift) & 0xFF)) }
        token.append(contentsOf: iv)
        token.append(ciphertext)
        let mac = HMAC<SHA256>.authenticationCode(for: token, using: signingKey)
        token.append(contentsOf: mac)
        return Self.base64URLEncode(token)
    }

    public func decrypt(_ token: String) throws -> String {
        guard let data = Self.base64URLDecode(token), data.count >= 1 + 8 + 16 + 16 + 32, data.first == 0x80 else {
            throw SyncerError.crypto("not a Fernet token")
        }
        let body = data.prefix(data.count - 32)
        let mac = data.suffix(32)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: signingKey) else {
            throw SyncerError.crypto("the token was made with another key (set CMDBSYNCER_CRYPTOGRAPHY_KEY to the key that encrypted it)")
        }
        let iv = try AES._CBC.IV(ivBytes: Array(body.dropFirst(9).prefix(16)))
        let ciphertext = body.dropFirst(25)
        let plain = try AES._CBC.decrypt(ciphertext, using: encryptionKey, iv: iv)
        guard let text = String(data: plain, encoding: .utf8) else { throw SyncerError.crypto("decrypted data is not UTF-8") }
        return text
    }

    static func base64URLEncode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}

/// Where the Fernet key comes from: `CMDBSYNCER_CRYPTOGRAPHY_KEY`, else a key file beside
/// the SQLite database, created with mode 0600 on first use and refused when other users
/// can read it.
public enum SecretKeyFile {
    public static let environmentVariable = "CMDBSYNCER_CRYPTOGRAPHY_KEY"

    public static func loadOrCreate(beside databasePath: String?, environment: [String: String]) throws -> Fernet {
        if let key = environment[environmentVariable], !key.isEmpty { return try Fernet(key: key) }
        guard let databasePath else {
            throw SyncerError.crypto("set \(environmentVariable) (a Fernet key) for a database that is not a local file")
        }
        let path = databasePath + ".key"
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            var info = stat()
            guard stat(path, &info) == 0 else { throw SyncerError.crypto("cannot stat key file \(path)") }
            if info.st_mode & 0o077 != 0 {
                throw SyncerError.crypto(
                    "key file \(path) is readable by other users (mode \(String(info.st_mode & 0o777, radix: 8))); run: chmod 600 \(path)")
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SyncerError.crypto("cannot read key file \(path)")
            }
            return try Fernet(key: text)
        }
        let key = Fernet.generateKey()
        // Write a private temp file, then link it into place: link() fails if another
        // process got there first, and nobody ever reads a half-written key.
        let temp = "\(path).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw SyncerError.crypto("cannot create key file \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array((key + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        defer { unlink(temp) }
        guard written == bytes.count else { throw SyncerError.crypto("cannot write key file \(path)") }
        if link(temp, path) != 0 {
            if errno == EEXIST { return try loadOrCreate(beside: databasePath, environment: environment) }
            throw SyncerError.crypto("cannot create key file \(path): \(String(cString: strerror(errno)))")
        }
        return try Fernet(key: key)
    }
}
