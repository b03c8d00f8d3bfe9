import Foundation
import SyncerCore

/// The credential a request carries, read as CMDBsyncer's REST API reads it: a token in
/// `Authorization: Bearer …`, a bare `cmdb_pat_…` in `Authorization`, or `x-login-token`
/// wins over `Authorization: Basic …`. Public for the fuzz target.
public enum HTTPCredential: Equatable, Sendable {
    case basic(login: String, password: String)
    case token(String)
    /// A header was sent but says nothing we can check.
    case malformed

    /// Nil when the request carries no credential at all.
    public static func parse(authorization: String?, loginToken: String?) -> HTTPCredential? {
        if let header = authorization?.trimmingCharacters(in: .whitespaces), !header.isEmpty {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                return APIToken.parse(value) != nil ? .token(value) : .malformed
            }
            if header.hasPrefix(APIToken.plaintextPrefix) {
                return APIToken.parse(header) != nil ? .token(header) : .malformed
            }
        }
        if let token = loginToken?.trimmingCharacters(in: .whitespaces), !token.isEmpty {
            return APIToken.parse(token) != nil ? .token(token) : .malformed
        }
        guard let header = authorization, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let (login, password) = parseBasic(header) else { return .malformed }
        return .basic(login: login, password: password)
    }

    /// `Basic base64(login:password)`; the password may contain colons, the login not.
    public static func parseBasic(_ header: String) -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic", parts[1].utf8.count <= 8192,
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        let login = String(text[..<colon])
        guard !login.isEmpty else { return nil }
        return (login, String(text[text.index(after: colon)...]))
    }

    /// What failed attempts are counted under, with the peer: the login, or the token's
    /// shown prefix (never its secret part).
    var throttleKey: String {
        switch self {
        case .basic(let login, _): return "login:" + login
        case .token(let token): return "token:" + APIToken.shownPrefix(of: token)
        case .malformed: return "malformed"
        }
    }
}
