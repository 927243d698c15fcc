import Foundation

/// Latencies at microsecond precision, in the unit that reads best: `850µs`, `12.345ms`, `1.250s`.
enum Latency {
    static func format(milliseconds: Double) -> String {
        guard milliseconds.isFinite, milliseconds >= 0 else { return "-" }
        let micros = (milliseconds * 1000).rounded()
        if micros < 1000 { return "\(Int(micros))µs" }
        if micros < 1_000_000 { return String(format: "%.3fms", micros / 1000) }
        return String(format: "%.3fs", micros / 1_000_000)
    }
}
