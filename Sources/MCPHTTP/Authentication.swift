import Foundation
import HTTPTypes
import Hummingbird
import SyncerCore

/// Resolves `Authorization: Basic …` to a syncer user holding `mcp` or `all`, on every
/// request, and binds it to that request's context only. Every refusal is 401 with the
/// Basic challenge; a peer that keeps failing gets 429 for a while.
struct BasicAuthentication: RouterMiddleware {
    typealias Context = MCPRequestContext
    let syncer: Syncer
    let cache: VerifiedPasswordCache
    let failures: LoginFailureLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let peer = context.peerAddress
        if let retryAfter = failures.blockedFor(peer) {
            var headers = HTTPFields()
            headers[.retryAfter] = String(Int(retryAfter.rounded(.up)))
            return .plain(.tooManyRequests, "too many failed logins from \(peer); retry in \(Int(retryAfter.rounded(.up))) s", headers: headers)
        }
        guard let header = request.headers[.authorization] else {
            return .unauthorized("unauthorized: send HTTP Basic credentials of a syncer user with the 'mcp' or 'all' API role")
        }
        guard let (login, password) = Self.parseBasic(header) else {
            failures.record(peer)
            return .unauthorized("unauthorized: malformed Basic credentials")
        }
        let user: User
        do {
            user = try syncer.authenticate(login: login, password: password, requiring: [.mcp], cache: cache)
        } catch let error as SyncerError {
            failures.record(peer)
            // The log names the login, never the password.
            context.logger.notice("refused login '\(login)' from \(peer): \(error)")
            return .unauthorized("unauthorized: \(error)")
        }
        var context = context
        context.principal = Principal(user: user, source: "mcp")
        context.userID = user.id?.hex ?? user.email
        return try await next(request, context)
    }

    /// `Basic base64(login:password)`; the password may contain colons, the login not.
    static func parseBasic(_ header: String) -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic", parts[1].utf8.count <= 8192,
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        let login = String(text[..<colon])
        guard !login.isEmpty else { return nil }
        return (login, String(text[text.index(after: colon)...]))
    }
}

/// Counts failed logins per peer address over a sliding minute. Past the limit the peer
/// is refused (429) until its oldest failure leaves the window: guessing passwords costs
/// the guesser time, and our scrypt checks stay bounded.
final class LoginFailureLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String: [Date]] = [:]
    let limit: Int
    let window: TimeInterval = 60

    init(limit: Int) { self.limit = limit }

    func record(_ peer: String, now: Date = Date()) {
        lock.lock(); defer { lock.unlock() }
        var list = failures[peer, default: []].filter { now.timeIntervalSince($0) < window }
        list.append(now)
        failures[peer] = list
        if failures.count > 10_000 { failures = failures.filter { !$0.value.isEmpty && now.timeIntervalSince($0.value.last!) < window } }
    }

    /// Seconds until the peer may try again, or nil if it may now.
    func blockedFor(_ peer: String, now: Date = Date()) -> TimeInterval? {
        lock.lock(); defer { lock.unlock() }
        guard let list = failures[peer] else { return nil }
        let recent = list.filter { now.timeIntervalSince($0) < window }
        failures[peer] = recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return window - now.timeIntervalSince(oldest)
    }
}
