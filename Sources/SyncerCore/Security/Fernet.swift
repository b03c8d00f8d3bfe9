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
/// the SQLite database, created with mode 0600 on first use.
///
/// The key decrypts every stored secret, so the file is trusted only when `lstat` shows a
/// regular file of the running user that nobody else can open: a symlink planted at its
/// name (dangling, so we would write the key where it points, or pointing at a file of the
/// planter's choosing) is refused, as is another user's file.
public enum SecretKeyFile {
    public static let environmentVariable = "CMDBSYNCER_CRYPTOGRAPHY_KEY"

    public static func loadOrCreate(beside databasePath: String?, environment: [String: String]) throws -> Fernet {
        if let key = environment[environmentVariable], !key.isEmpty { return try Fernet(key: key) }
        guard let databasePath else {
            throw SyncerError.crypto("set \(environmentVariable) (a Fernet key) for a database that is not a local file")
        }
        let path = databasePath + ".key"
        if let existing = try read(path) { return existing }
        return try create(path, key: Fernet.generateKey())
    }

    /// The key in the file at `path`, or nil when there is none; refuses an untrusted file.
    static func read(_ path: String) throws -> Fernet? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw SyncerError.crypto("cannot inspect key file \(path): \(String(cString: strerror(errno)))")
        }
        try check(info, path)
        // O_NOFOLLOW and a second check on the open file: the name cannot be swapped for a
        // symlink between lstat and open.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SyncerError.crypto("cannot open key file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0, opened.st_dev == info.st_dev, opened.st_ino == info.st_ino else {
            throw SyncerError.crypto("key file \(path) changed while it was read; try again")
        }
        try check(opened, path)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while bytes.count < 4096 {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw SyncerError.crypto("cannot read key file \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        guard let text = String(validating: bytes, as: UTF8.self), let key = try? Fernet(key: text) else {
            throw SyncerError.crypto("key file \(path) does not hold a Fernet key (44 characters of urlsafe base64); restore it from a backup")
        }
        return key
    }

    /// One line per refusal: what is wrong with the file and what to do about it.
    static func check(_ info: stat, _ path: String) throws {
        let type = info.st_mode & S_IFMT
        if type == S_IFLNK {
            throw SyncerError.crypto("key file \(path) is a symbolic link; replace it with the key file itself (or remove it to create a new key)")
        }
        guard type == S_IFREG else {
            throw SyncerError.crypto("key file \(path) is not a regular file; move it away")
        }
        guard info.st_uid == geteuid() else {
            throw SyncerError.crypto("key file \(path) belongs to uid \(info.st_uid), not to the user running this (uid \(geteuid())); run as its owner or chown it")
        }
        if info.st_mode & 0o077 != 0 {
            throw SyncerError.crypto(
                "key file \(path) is readable by other users (mode \(String(info.st_mode & 0o777, radix: 8))); run: chmod 600 \(path)")
        }
    }

    /// Writes a private temporary file under a random name (created exclusively, never
    /// through a symlink), then links it into place: link() fails if another process got
    /// there first (then its key is used), and nobody ever reads a half-written key.
    static func create(_ path: String, key: String) throws -> Fernet {
        var temp = ""
        var fd: Int32 = -1
        for _ in 0..<8 {
            temp = "\(path).\(randomSuffix()).tmp"
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw SyncerError.crypto("cannot create key file \(path): \(String(cString: strerror(errno)))") }
        defer { unlink(temp) }
        let bytes = Array((key + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fchmod(fd, 0o600) == 0 && fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            throw SyncerError.crypto("cannot write key file \(path): \(String(cString: strerror(errno)))")
        }
        if link(temp, path) != 0 {
            guard errno == EEXIST else {
                throw SyncerError.crypto("cannot create key file \(path): \(String(cString: strerror(errno)))")
            }
            // Another process won the race: use its key, read once (no retry loop).
            guard let theirs = try read(path) else { throw SyncerError.crypto("key file \(path) vanished while it was created; try again") }
            return theirs
        }
        // Secrets encrypted with this key get committed next: the key's name must survive a
        // power loss too, so sync the folder that holds it.
        let parent = (path as NSString).deletingLastPathComponent
        let folder = open(parent.isEmpty ? "." : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 { fsync(folder); close(folder) }
        return try Fernet(key: key)
    }

    private static func randomSuffix() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }
}
