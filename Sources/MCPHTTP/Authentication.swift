import Foundation
import HTTPTypes
import Hummingbird
import SyncerCore

/// Resolves the request's credential (Basic, or a personal API token, see
/// `HTTPCredential`) to a syncer user holding `mcp` or `all`, on every request, and binds
/// it to that request's context only. Every refusal is 401 with the Basic challenge and
/// one text.
///
/// Failed attempts are counted per (login, peer), tokens per (shown prefix, peer): one
/// client's failures never refuse another login. Past the limit that login from that peer
/// gets 429, except for credentials known good without new expensive work (a password
/// that verified within the credential lifetime, or a valid token: one SHA-256), so a
/// client already using the login keeps working while someone guesses at it.
struct CredentialAuthentication: RouterMiddleware {
    typealias Context = MCPRequestContext
    let syncer: Syncer
    let cache: VerifiedPasswordCache
    let failures: LoginFailureLimiter

    static let loginToken = HTTPField.Name("x-login-token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let refusal = "unauthorized: \(Syncer.loginRefused(requiring: [.mcp]))"
        guard let credential = HTTPCredential.parse(authorization: request.headers[.authorization],
                                                    loginToken: request.headers[Self.loginToken])
        else { return .unauthorized(refusal) }
        let peer = context.peerAddress
        let key = credential.throttleKey
        let blocked = failures.blockedFor(key, peer: peer)
        let user: User
        do {
            switch credential {
            case .malformed:
                throw Syncer.loginRefused(requiring: [.mcp])
            case .basic(let login, let password):
                user = try syncer.authenticate(login: login, password: password, requiring: [.mcp], cache: cache,
                                               cachedOnly: blocked != nil)
            case .token(let token):
                user = try syncer.authenticate(token: token, requiring: [.mcp]).user
            }
        } catch {
            if let blocked {
                var headers = HTTPFields()
                let seconds = Int(blocked.rounded(.up))
                headers[.retryAfter] = String(seconds)
                return .plain(.tooManyRequests, "too many failed logins for this credential from \(peer); retry in \(seconds) s", headers: headers)
            }
            failures.record(key, peer: peer)
            // The log names the login or the token's prefix, never the secret.
            context.logger.notice("refused \(key) from \(peer): \(error)")
            return .unauthorized(refusal)
        }
        var context = context
        context.principal = Principal(user: user, source: "mcp")
        context.userID = user.id?.hex ?? user.email
        return try await next(request, context)
    }
}

/// Counts failed logins per (credential key, peer address) over a sliding minute. Past
/// the limit that pair is refused (429) until its oldest failure leaves the window:
/// guessing costs the guesser time and our scrypt checks stay bounded, while other logins
/// from the same peer (every local client is 127.0.0.1) are not affected.
final class LoginFailureLimiter: @unchecked Sendable {  // safe: `failures` is only touched under `lock`
    private let lock = NSLock()
    private var failures: [String: [Date]] = [:]
    let limit: Int
    let window: TimeInterval = 60

    init(limit: Int) { self.limit = limit }

    private static func slot(_ key: String, _ peer: String) -> String { peer + "\u{0}" + key }

    func record(_ key: String, peer: String, now: Date = Date()) {
        let slot = Self.slot(key, peer)
        lock.lock(); defer { lock.unlock() }
        var list = failures[slot, default: []].filter { now.timeIntervalSince($0) < window }
        list.append(now)
        // Only the newest `limit` matter for the decision; older ones need not be kept.
        if list.count > limit { list.removeFirst(list.count - limit) }
        failures[slot] = list
        if failures.count > 10_000 { failures = failures.filter { !$0.value.isEmpty && now.timeIntervalSince($0.value.last!) < window } }
    }

    /// Seconds until the pair may try again, or nil if it may now.
    func blockedFor(_ key: String, peer: String, now: Date = Date()) -> TimeInterval? {
        let slot = Self.slot(key, peer)
        lock.lock(); defer { lock.unlock() }
        guard let list = failures[slot] else { return nil }
        let recent = list.filter { now.timeIntervalSince($0) < window }
        failures[slot] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return window - now.timeIntervalSince(oldest)
    }
}
