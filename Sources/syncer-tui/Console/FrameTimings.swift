import Foundation

/// Optional frame timing for measurements (`SYNCER_TUI_TIMINGS=/path`): time to the first
/// frame and key-to-painted-frame durations, summarised into that file at exit.
final class FrameTimings {
    private let path: String
    private var first = 0.0
    private var frames: [Double] = []

    init?(path: String?) {
        guard let path, !path.isEmpty else { return nil }
        self.path = path
    }

    func firstFrame(seconds: Double) { first = seconds }
    func frame(seconds: Double) { frames.append(seconds) }

    func write() {
        let sorted = frames.sorted()
        func ms(_ q: Double) -> String {
            sorted.isEmpty ? "-" : String(format: "%.3f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] * 1000)
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let text = """
            first_frame_ms \(String(format: "%.1f", first * 1000))
            frames \(sorted.count)
            frame_median_ms \(ms(0.5))
            frame_p95_ms \(ms(0.95))
            frame_max_ms \(ms(1.0))
            max_rss_mb \(String(format: "%.1f", Double(usage.ru_maxrss) / 1024))

            """
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
