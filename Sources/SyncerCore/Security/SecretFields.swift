import Foundation

/// The one list of stored secret fields, and what leaving the syncer does to them.
///
/// Every front end (MCP tools and resources, exports, the console, the admin commands)
/// shows documents through `redacted(_:)` or `masked(_:with:)` unless the caller holds
/// `all`; no front end keeps a list of its own. The names are CMDBsyncer's own fields that
/// hold a password, a hash, a token or a private key, wherever they stand in a document
/// (top level, inside `plugin_settings`, inside each `api_tokens` entry).
public enum SecretFields {
    public static let names: Set<String> = [
        // accounts, cmk_passwords, Checkmk users (`cmk_user`): clear or Fernet-encrypted passwords
        "password", "password_crypted",
        // users: the werkzeug hash, the TOTP seed, each API token's hash
        "pwdhash", "tfa_secret", "token_hash",
        // cron_groups: the secret of the group's webhook
        "webhook_token",
        // cmk_sites: installation secrets (CMDBsyncer spells the first one so)
        "inital_password", "initial_password", "subscription_password", "cmk_secret",
        "webserver_certificate_private_key",
    ]

    /// The marker a redacted document carries, so a reader (and a re-import) knows that
    /// the nulls stand for values that exist.
    public static let redactionMarker = "password_redacted"

    /// Rule types whose clear `password` is stored encrypted as `password_crypted` (a
    /// Fernet token), as CMDBsyncer does for these two.
    public static let encryptedPasswordTypes: Set<String> = [RuleTypeCatalog.accounts, RuleTypeCatalog.checkmkPasswords]

    /// `document` with every secret value (at any depth) set to null and the marker set,
    /// or unchanged when it holds no secret.
    public static func redacted(_ document: JSONObject) -> JSONObject {
        var found = false
        var out = replacing(document, with: .null, found: &found)
        if found { out[redactionMarker] = true }
        return out
    }

    /// `document` with every secret value replaced by `placeholder`, for screens.
    public static func masked(_ document: JSONObject, with placeholder: JSONValue) -> JSONObject {
        var found = false
        return replacing(document, with: placeholder, found: &found)
    }

    /// Whether `document` holds a secret value anywhere.
    public static func containsSecret(_ document: JSONObject) -> Bool {
        var found = false
        _ = replacing(document, with: .null, found: &found)
        return found
    }

    private static func replacing(_ object: JSONObject, with placeholder: JSONValue, found: inout Bool) -> JSONObject {
        var out = object
        for (key, value) in object {
            if names.contains(key) {
                if !value.isNull {
                    out[key] = placeholder
                    found = true
                }
                continue
            }
            switch value {
            case .object(let nested): out[key] = .object(replacing(nested, with: placeholder, found: &found))
            case .array(let items) where items.contains(where: { $0.objectValue != nil || $0.arrayValue != nil }):
                out[key] = .array(items.map { replacing($0, with: placeholder, found: &found) })
            default: continue
            }
        }
        return out
    }

    private static func replacing(_ value: JSONValue, with placeholder: JSONValue, found: inout Bool) -> JSONValue {
        switch value {
        case .object(let o): return .object(replacing(o, with: placeholder, found: &found))
        case .array(let a): return .array(a.map { replacing($0, with: placeholder, found: &found) })
        default: return value
        }
    }

    /// A document being imported over `existing` keeps the stored secrets that the
    /// incoming one left out or nulled (a redacted export read back with `override`), so
    /// a round trip without `all` never wipes a password. Top-level fields only: nested
    /// secrets (user tokens) travel only in users, which only `all` imports.
    static func keepingStoredSecrets(_ incoming: JSONObject, existing: JSONObject) -> JSONObject {
        var out = incoming
        for key in names {
            guard let kept = existing[key], !kept.isNull else { continue }
            if incoming[key] == nil || incoming[key]?.isNull == true { out[key] = kept }
        }
        out[redactionMarker] = nil
        return out
    }
}
