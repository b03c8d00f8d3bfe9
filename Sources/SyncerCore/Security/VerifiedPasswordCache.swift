import Crypto
import Foundation

/// Remembers which (password, stored hash) pairs verified recently, so a server checking
/// Basic credentials on every request pays for scrypt (~55 ms) once per few minutes, not
/// per call, without weakening the check:
/// - entries are keyed by an HMAC under a per-process random key, never by the password;
/// - the key includes the stored hash, so a password change (or any new hash) misses;
/// - the user record is still read per request, so disabling a user or revoking a role
///   takes effect at once.
public final class VerifiedPasswordCache: @unchecked Sendable {
    private let key = SymmetricKey(size: .bits256)
    private let lock = NSLock()
    private var entries: [Data: Date] = [:]
    public let lifetime: TimeInterval
    public let capacity: Int

    public init(lifetime: TimeInterval = 300, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    private func tag(_ password: String, _ hash: String) -> Data {
        var input = Data(hash.utf8)
        input.append(0)
        input.append(contentsOf: password.utf8)
        return Data(HMAC<SHA256>.authenticationCode(for: input, using: key))
    }

    /// Verifies `password` against `hash`, from the cache when it verified recently.
    public func verify(_ password: String, against hash: String, now: Date = Date()) -> Bool {
        let t = tag(password, hash)
        lock.lock()
        if let expiry = entries[t], expiry > now {
            lock.unlock()
            return true
        }
        lock.unlock()
        guard PasswordHash.verify(password, against: hash) else { return false }
        lock.lock()
        if entries.count >= capacity { entries = entries.filter { $0.value > now } }
        if entries.count < capacity { entries[t] = now.addingTimeInterval(lifetime) }
        lock.unlock()
        return true
    }
}

extension VerifiedPasswordCache {
    /// True when `password` verified against `hash` recently; never runs the hash function.
    public func isFresh(_ password: String, against hash: String, now: Date = Date()) -> Bool {
        let t = tag(password, hash)
        lock.lock()
        defer { lock.unlock() }
        return entries[t].map { $0 > now } ?? false
    }
}
