import PlexusProtocol

/// Kubernetes' thresholds, pure: `failureThreshold` failures in a row make the probe critical,
/// `successThreshold` successes in a row make it passing.
///
/// ```swift
/// var thresholds = ProbeThresholds(failureThreshold: 3, successThreshold: 1)
/// if let verdict = thresholds.record(outcome) { report(verdict) }  // only when the status changes
/// ```
public struct ProbeThresholds: Sendable, Equatable {
    public let failureThreshold: Int
    public let successThreshold: Int
    /// The last verdict `record` returned; nil before the first.
    public private(set) var current: HealthCheck?
    private var failures = 0
    private var successes = 0

    /// Thresholds below 1 count as 1.
    public init(failureThreshold: Int, successThreshold: Int) {
        self.failureThreshold = max(1, failureThreshold)
        self.successThreshold = max(1, successThreshold)
    }

    /// Records one outcome; returns the new verdict when it changes. The first verdict counts as a
    /// change: `failureThreshold` failures in a row make it critical, `successThreshold` successes in a
    /// row make it passing (the first success when that is 1). A verdict carries the message of the
    /// outcome that decided it; outcomes that change nothing return nil and leave `current` as it was.
    public mutating func record(_ outcome: ProbeOutcome) -> HealthCheck? {
        let status: HealthStatus
        if outcome.passed {
            successes += 1
            failures = 0
            guard successes >= successThreshold else { return nil }
            status = .passing
        } else {
            failures += 1
            successes = 0
            guard failures >= failureThreshold else { return nil }
            status = .critical
        }
        guard current?.status != status else { return nil }
        let verdict = HealthCheck(status: status, message: outcome.message)
        current = verdict
        return verdict
    }
}
