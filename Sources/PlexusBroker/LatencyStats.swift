/// Counters and latency of one service (or the scheduler's firing delay): totals plus the last 1,024
/// samples for the percentiles.
struct LatencyStats: Sendable {
    private(set) var requests: UInt64 = 0
    private(set) var errors: UInt64 = 0
    private var totalMilliseconds: Double = 0
    /// Requests that reached a plugin and were timed.
    private var timed: UInt64 = 0
    private var recent: [Double] = []
    private var next = 0
    private static let window = 1024

    mutating func record(milliseconds: Double, failed: Bool) {
        requests &+= 1
        if failed { errors &+= 1 }
        totalMilliseconds += milliseconds
        timed &+= 1
        if recent.count < Self.window {
            recent.append(milliseconds)
        } else {
            recent[next] = milliseconds
        }
        next = (next + 1) % Self.window
    }

    /// A request that was refused before it reached a plugin (queue full, breaker open, unknown).
    mutating func recordRefused() {
        requests &+= 1
        errors &+= 1
    }

    var average: Double { timed == 0 ? 0 : totalMilliseconds / Double(timed) }

    var p99: Double { percentile(0.99) }

    /// The `fraction` quantile (0.5 = median) of the recent window; 0 when empty.
    func percentile(_ fraction: Double) -> Double {
        guard !recent.isEmpty else { return 0 }
        let sorted = recent.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}
