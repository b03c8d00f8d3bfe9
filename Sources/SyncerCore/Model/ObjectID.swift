import Foundation

/// A MongoDB ObjectId as CMDBsyncer writes it: 24 lowercase hex digits. Ours are made the
/// same way (4-byte time, 5 random bytes, 3-byte counter) so they sort by creation time and
/// cannot collide with ids in a bundle from another syncer.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let hex: String

    public init?(_ text: String) {
        guard text.utf8.count == 24, text.utf8.allSatisfy({ Self.isHex($0) }) else { return nil }
        hex = text.lowercased()
    }

    public var description: String { hex }
    public static func < (a: ObjectID, b: ObjectID) -> Bool { a.hex < b.hex }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var counter = UInt32.random(in: 0..<0xFFFFFF)
    private static let processRandom: [UInt8] = (0..<5).map { _ in UInt8.random(in: 0...255) }

    public static func generate(at date: Date = Date()) -> ObjectID {
        lock.lock()
        counter = (counter &+ 1) & 0xFFFFFF
        let c = counter
        lock.unlock()
        let seconds = UInt32(truncatingIfNeeded: Int64(date.timeIntervalSince1970))
        var bytes: [UInt8] = [
            UInt8(seconds >> 24), UInt8(seconds >> 16 & 0xFF), UInt8(seconds >> 8 & 0xFF), UInt8(seconds & 0xFF),
        ]
        bytes += processRandom
        bytes += [UInt8(c >> 16 & 0xFF), UInt8(c >> 8 & 0xFF), UInt8(c & 0xFF)]
        return ObjectID(trustedHex: Hex.encode(bytes))
    }

    private init(trustedHex: String) { hex = trustedHex }

    /// The extended-JSON form used in bundles: `{"$oid": "…"}`.
    public var json: JSONValue { .object(["$oid": .string(hex)]) }

    /// Reads `{"$oid": "…"}` or a bare 24-hex string.
    public init?(json: JSONValue) {
        if let s = json.stringValue { self.init(s); return }
        if let o = json.objectValue, o.count == 1, let s = o["$oid"]?.stringValue { self.init(s); return }
        return nil
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)
    }
}

/// Extended-JSON dates (`{"$date": <ms since epoch>}`) and the ISO 8601 form results use.
public enum ExtendedDate {
    /// `{"$date": ms}`, the form CMDBsyncer 4.x exports.
    public static func json(_ date: Date) -> JSONValue {
        .object(["$date": .int(Int64((date.timeIntervalSince1970 * 1000).rounded()))])
    }

    /// Reads `{"$date": ms}`, `{"$date": "ISO"}` and `{"$date": {"$numberLong": "ms"}}`.
    /// Returns nil for anything else, so callers can tell "absent" from "malformed".
    public static func date(from value: JSONValue) -> Date? {
        guard let o = value.objectValue, let inner = o["$date"] else { return nil }
        if let ms = inner.intValue { return Date(timeIntervalSince1970: Double(ms) / 1000) }
        if case .double(let d) = inner { return Date(timeIntervalSince1970: d / 1000) }
        if let s = inner.stringValue { return parseISO(s) }
        if let long = inner["$numberLong"]?.stringValue, let ms = Int64(long) {
            return Date(timeIntervalSince1970: Double(ms) / 1000)
        }
        return nil
    }

    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// `2026-11-25T06:45:54Z`: whole seconds, UTC, as the real server formats times.
    /// Built from digits directly: `String(format:)` cost more than the rest of a host's summary.
    public static func iso(_ date: Date) -> String {
        var t = time_t(floor(date.timeIntervalSince1970))
        var p = tm()
        gmtime_r(&t, &p)
        var out = [UInt8]()
        out.reserveCapacity(20)
        func digits(_ value: Int32, _ width: Int) {
            var v = Int(value)
            var buffer = [UInt8](repeating: 48, count: width)
            for k in stride(from: width - 1, through: 0, by: -1) { buffer[k] = UInt8(48 + v % 10); v /= 10 }
            out += buffer
        }
        digits(p.tm_year + 1900, 4); out.append(45); digits(p.tm_mon + 1, 2); out.append(45); digits(p.tm_mday, 2)
        out.append(84); digits(p.tm_hour, 2); out.append(58); digits(p.tm_min, 2); out.append(58); digits(p.tm_sec, 2)
        out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    public static func iso(_ date: Date?) -> JSONValue { .string(date.map { iso($0) }) }

    public static func parseISO(_ s: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = withFraction.date(from: s) { return d }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: s)
    }
}
