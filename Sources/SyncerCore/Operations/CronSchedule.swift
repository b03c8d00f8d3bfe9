import Foundation

/// When a cron group is due. CMDBsyncer's three intervals, its hour window
/// (`timerange_from`/`timerange_to`, stored as strings or numbers), and the ages that
/// `cleanup_stale_hosts` takes.
public enum CronSchedule {
    /// The intervals CMDBsyncer offers, in seconds.
    public static let intervals: [String: TimeInterval] = ["10min": 600, "hour": 3600, "daily": 86_400]

    public static func interval(_ name: String) throws -> TimeInterval {
        guard let seconds = intervals[name] else {
            throw SyncerError.invalidArgument(
                "interval '\(name)' is not one of \(intervals.keys.sorted().joined(separator: ", "))")
        }
        return seconds
    }

    /// Whether `hour` (0–23, local time, as CMDBsyncer uses) lies in the group's window.
    /// `from < to`: from ≤ hour < to. `from > to` wraps past midnight. Equal: all day.
    public static func contains(hour: Int, from: Int, to: Int) -> Bool {
        if from == to || (from <= 0 && to >= 24) { return true }
        return from < to ? (from <= hour && hour < to) : (hour >= from || hour < to)
    }

    /// A group's window; missing or unreadable bounds mean the whole day.
    static func window(of group: CronGroup) -> (from: Int, to: Int) {
        func hour(_ key: String, _ fallback: Int) -> Int {
            switch group.document[key] {
            case .int(let i): return Int(i)
            case .double(let d): return Int(d)
            case .string(let s): return Int(s.trimmingCharacters(in: .whitespaces)) ?? fallback
            default: return fallback
            }
        }
        return (hour("timerange_from", 0), hour("timerange_to", 24))
    }

    /// `30d`, `12h`, `90m`, `45s`, `2w` as seconds.
    public static func age(_ text: String) throws -> TimeInterval {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let unit = trimmed.last, let factor = units[unit], let number = Int(trimmed.dropLast()), number > 0 else {
            throw SyncerError.invalidArgument("age '\(text)' is not a positive number followed by s, m, h, d or w (e.g. 30d)")
        }
        return TimeInterval(number) * factor
    }
}
