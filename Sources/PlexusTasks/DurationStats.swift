import Foundation

/// Run durations: an exact running average and a p99 over the most recent samples.
public struct DurationStats: Codable, Sendable, Equatable {
    /// How many recent samples the p99 looks at; bounded so that state stays small when persisted.
    public static let window = 100

    /// Sum of all durations, seconds.
    public private(set) var total: TimeInterval = 0
    /// Number of durations recorded.
    public private(set) var count = 0
    /// The most recent durations, oldest first.
    public private(set) var recent: [TimeInterval] = []

    /// Empty statistics.
    public init() {}

    /// Records one duration.
    public mutating func add(_ seconds: TimeInterval) {
        total += seconds
        if count < .max { count += 1 }
        recent.append(seconds)
        if recent.count > Self.window { recent.removeFirst(recent.count - Self.window) }
    }

    /// Mean over all runs, or nil before the first.
    public var average: TimeInterval? { count == 0 ? nil : total / Double(count) }

    /// 99th percentile (nearest rank) of the recent runs, or nil before the first.
    public var p99: TimeInterval? {
        guard !recent.isEmpty else { return nil }
        let sorted = recent.sorted()
        let rank = Int((0.99 * Double(sorted.count)).rounded(.up))
        return sorted[max(rank, 1) - 1]
    }
}
