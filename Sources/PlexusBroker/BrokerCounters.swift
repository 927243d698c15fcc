/// A measurement for one of the broker's histograms (docs/METRICS.md), made where the core sees it
/// happen and handed to the loop, which records it in `BrokerMetrics`: the core itself touches no
/// metrics library.
enum MetricObservation: Sendable, Equatable {
    /// A service call ended (from acceptance to answer).
    case serviceCall(CallTiming)
    /// A task run ended after `seconds` (started to finished).
    case taskRun(seconds: Double)
    /// A task run was dispatched `seconds` after its fire time (first attempts only).
    case scheduleJitter(seconds: Double)
}

/// Counts the core keeps only for its metrics (the other figures are already in its tables): control
/// requests by command, task runs by outcome, and the observations for the histograms not yet taken.
struct BrokerCounters: Sendable {
    /// Control requests by command name (`PING`, `STATUS`, …, `_invalid` for undecodable ones): a bounded
    /// set, since only the protocol's commands decode.
    private(set) var controlRequests: [String: UInt64] = [:]
    /// Task runs by outcome: `succeeded`, `failed`, `skipped`, `canceled`.
    private(set) var taskRuns: [String: UInt64] = [:]
    /// Observations not yet taken by the loop, at most `observationLimit` (a core without a loop, as in
    /// the unit tests, never grows past it).
    private(set) var observations: [MetricObservation] = []
    /// Monotonic µs at which each run in flight started, for its duration.
    private var runStarts: [String: Int64] = [:]

    static let observationLimit = 65_536
    /// Runs timed at once; past it a run's duration is not measured (its outcome still counts).
    static let runLimit = 100_000

    /// The name `_invalid` counts control requests that did not decode.
    static let invalidCommand = "_invalid"

    mutating func controlRequest(_ command: String) {
        controlRequests[command, default: 0] &+= 1
    }

    mutating func observe(_ observation: MetricObservation) {
        if observations.count < Self.observationLimit { observations.append(observation) }
    }

    mutating func runStarted(_ runID: String, at microseconds: Int64) {
        if runStarts.count < Self.runLimit { runStarts[runID] = microseconds }
    }

    /// A run ended (`outcome` as reported: succeeded, failed, skipped, canceled).
    mutating func runEnded(_ runID: String?, outcome: String, at microseconds: Int64) {
        taskRuns[outcome, default: 0] &+= 1
        guard let runID, let started = runStarts.removeValue(forKey: runID) else { return }
        observe(.taskRun(seconds: Double(max(0, microseconds - started)) / 1_000_000))
    }

    /// Hands over the observations made since the last call.
    mutating func takeObservations() -> [MetricObservation] {
        defer { observations.removeAll(keepingCapacity: true) }
        return observations
    }
}
