import Crypto
import Foundation

/// A CMDBsyncer 4.3+ personal API token as stored in a user's `api_tokens` list:
/// `{token_id, token_hash, label, prefix, created_at, last_used_at, expires_at}`.
///
/// The recipe is CMDBsyncer's `User.create_api_token`, so tokens move both ways:
/// plaintext `cmdb_pat_` + `secrets.token_urlsafe(32)` (43 base64url characters),
/// `token_hash` the SHA-256 hex of the plaintext, `token_id` a UUID4 in hex (32 digits),
/// `prefix` the first 15 characters of the plaintext, `label` trimmed to 120 characters
/// (default "API token"), dates as UTC (`{"$date": ms}`).
public struct APIToken: Equatable, Sendable {
    public static let plaintextPrefix = "cmdb_pat_"
    /// Random bytes behind a token (`token_urlsafe(32)`).
    static let randomBytes = 32
    /// Characters kept as `prefix`: ours plus six of the random part.
    static let shownPrefixLength = plaintextPrefix.count + 6
    /// Longest plaintext we look at; CMDBsyncer's are 52 characters.
    static let maxPlaintextLength = 512
    public static let defaultLabel = "API token"
    static let maxLabelLength = 120

    public var tokenID: String
    public var tokenHash: String
    public var label: String
    public var prefix: String
    public var createdAt: Date?
    public var lastUsedAt: Date?
    public var expiresAt: Date?

    public init(tokenID: String, tokenHash: String, label: String, prefix: String, createdAt: Date?,
                lastUsedAt: Date? = nil, expiresAt: Date? = nil) {
        self.tokenID = tokenID; self.tokenHash = tokenHash; self.label = label; self.prefix = prefix
        self.createdAt = createdAt; self.lastUsedAt = lastUsedAt; self.expiresAt = expiresAt
    }

    /// Reads one stored entry; nil when it lacks the two required fields.
    public init?(json: JSONValue) {
        guard let o = json.objectValue, let id = o["token_id"]?.stringValue, let hash = o["token_hash"]?.stringValue
        else { return nil }
        func date(_ key: String) -> Date? { o[key].flatMap { ExtendedDate.date(from: $0) } }
        self.init(tokenID: id, tokenHash: hash, label: o["label"]?.stringValue ?? "", prefix: o["prefix"]?.stringValue ?? "",
                  createdAt: date("created_at"), lastUsedAt: date("last_used_at"), expiresAt: date("expires_at"))
    }

    /// The stored form (absent dates are null, as mongoengine exports them).
    public var json: JSONValue {
        func date(_ d: Date?) -> JSONValue { d.map { ExtendedDate.json($0) } ?? .null }
        return .object([
            "token_id": .string(tokenID), "token_hash": .string(tokenHash), "label": .string(label),
            "prefix": .string(prefix), "created_at": date(createdAt), "last_used_at": date(lastUsedAt),
            "expires_at": date(expiresAt),
        ])
    }

    /// What `user token list` shows: everything but the hash.
    public var listEntry: JSONValue {
        .object([
            "token_id": .string(tokenID), "label": .string(label), "prefix": .string(prefix),
            "created_at": ExtendedDate.iso(createdAt), "last_used_at": ExtendedDate.iso(lastUsedAt),
            "expires_at": ExtendedDate.iso(expiresAt),
        ])
    }

    public func isExpired(at now: Date) -> Bool { expiresAt.map { $0 <= now } ?? false }

    /// A new token: the plaintext (shown once) and what is stored.
    public static func mint(label: String?, expiresAt: Date?, now: Date) -> (plaintext: String, token: APIToken) {
        var rng = SystemRandomNumberGenerator()
        let random = (0..<randomBytes).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let plaintext = plaintextPrefix + base64URL(random)
        let cleaned = String((label ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(maxLabelLength))
        let token = APIToken(
            tokenID: UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
            tokenHash: hash(plaintext), label: cleaned.isEmpty ? defaultLabel : cleaned,
            prefix: String(plaintext.prefix(shownPrefixLength)), createdAt: storable(now), expiresAt: expiresAt.map(storable))
        return (plaintext, token)
    }

    /// Dates are stored to the millisecond; the token returned equals the one read back.
    static func storable(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(ExtendedDate.milliseconds(date)) / 1000)
    }

    /// SHA-256 hex of the plaintext, as `token_hash` holds it.
    public static func hash(_ plaintext: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Data(plaintext.utf8))))
    }

    /// The plaintext if `text` has a token's shape (our prefix, then up to 503 base64url
    /// characters); nil otherwise. Nothing else is ever hashed or looked up.
    public static func parse(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix(plaintextPrefix), trimmed.utf8.count > plaintextPrefix.utf8.count,
            trimmed.utf8.count <= maxPlaintextLength
        else { return nil }
        let body = trimmed.utf8.dropFirst(plaintextPrefix.utf8.count)
        guard body.allSatisfy({ isBase64URL($0) }) else { return nil }
        return trimmed
    }

    /// The part of a plaintext that names it in throttles and logs (never the secret part).
    public static func shownPrefix(of plaintext: String) -> String { String(plaintext.prefix(shownPrefixLength)) }

    static func isBase64URL(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
    }

    /// Base64 with `-_` and no padding, as Python's `token_urlsafe`.
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Equal-length hex digests compared without an early exit.
    static func digestsEqual(_ a: String, _ b: String) -> Bool {
        PasswordHash.constantTimeEqual(Array(a.utf8), Array(b.utf8))
    }
}
