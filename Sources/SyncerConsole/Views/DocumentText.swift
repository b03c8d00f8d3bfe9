import Foundation
import SyncerCore

/// Stored documents as text for the screen: values inline, whole documents as indented
/// JSON, secrets replaced.
enum DocumentText {
    static func inline(_ value: JSONValue) -> String {
        if let date = ExtendedDate.date(from: value) { return ExtendedDate.iso(date) }
        switch value {
        case .string(let s): return s
        case .null: return "—"
        default: return JSONWriter().string(value)
        }
    }

    /// A document as indented JSON lines, with secret fields (the core's one list) masked.
    static func lines(_ document: JSONObject) -> [String] {
        let shown = SecretFields.masked(document, with: "(hidden)")
        return JSONWriter(indent: 2).string(.object(shown)).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "never" }
        return String(ExtendedDate.iso(date).prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}
