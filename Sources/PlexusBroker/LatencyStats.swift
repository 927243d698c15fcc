/// How a service call ended, for `plexus_service_requests_total{outcome}` (docs/METRICS.md).
enum CallOutcome: String, Sendable, CaseIterable {
    /// The instance replied.
    case ok
    /// The instance answered `FAIL` (or the request could not be handed to it).
    case error
    /// The deadline passed.
    case timeout
    /// The instance died or left with the call in flight (and the call was not idempotent).
    case instanceLost = "instance_lost"
    /// Refused at once: nobody offers the service.
    case unknownService = "unknown_service"
    /// Refused at once: every instance is critical and out of rotation.
    case unavailable
    /// Refused at once: the circuit breaker is open.
    case breakerOpen = "breaker_open"
    /// Refused at once: the service's queue is full.
    case queueFull = "queue_full"
    /// Answered by the broker shutting down.
    case shutdown
}

/// Counters and latency of one service (or the scheduler's firing delay): totals by outcome plus the
/// last 1,024 samples for the percentiles, kept in microseconds and reported in (fractional) milliseconds.
struct LatencyStats: Sendable {
    private(set) var requests: UInt64 = 0
    private(set) var errors: UInt64 = 0
    /// Requests by how they ended, indexed like `CallOutcome.allCases`.
    private var byOutcome = [UInt64](repeating: 0, count: CallOutcome.allCases.count)
    private var totalMicroseconds: Double = 0
    /// Requests that reached a plugin and were timed.
    private var timed: UInt64 = 0
    private var recent: [Double] = []
    private var next = 0
    private static let window = 1024

    /// A timed request (it reached an instance, or waited in the queue until its deadline).
    mutating func record(microseconds: Int64, outcome: CallOutcome) {
        count(outcome)
        let sample = Double(max(0, microseconds))
        totalMicroseconds += sample
        timed &+= 1
        if recent.count < Self.window {
            recent.append(sample)
        } else {
            recent[next] = sample
        }
        next = (next + 1) % Self.window
    }

    /// A sample in milliseconds (the scheduler's firing delay), counted as `ok` or `error`.
    mutating func record(milliseconds: Double, failed: Bool) {
        record(microseconds: Int64((milliseconds * 1000).rounded()), outcome: failed ? .error : .ok)
    }

    /// A request that was refused before it reached a plugin (queue full, breaker open, unknown).
    mutating func recordRefused(_ outcome: CallOutcome = .unknownService) {
        count(outcome)
    }

    private mutating func count(_ outcome: CallOutcome) {
        requests &+= 1
        // The broker going away is not the service's error.
        if outcome != .ok, outcome != .shutdown { errors &+= 1 }
        byOutcome[CallOutcome.allCases.firstIndex(of: outcome)!] &+= 1
    }

    /// Requests that ended with `outcome`.
    func count(of outcome: CallOutcome) -> UInt64 { byOutcome[CallOutcome.allCases.firstIndex(of: outcome)!] }

    /// Mean latency in milliseconds, to the microsecond.
    var average: Double { timed == 0 ? 0 : totalMicroseconds / Double(timed) / 1000 }

    var p99: Double { percentile(0.99) }

    /// The `fraction` quantile (0.5 = median) of the recent window in milliseconds; 0 when empty.
    func percentile(_ fraction: Double) -> Double {
        guard !recent.isEmpty else { return 0 }
        let sorted = recent.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] / 1000
    }
}
