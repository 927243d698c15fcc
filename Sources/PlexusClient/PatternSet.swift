import PlexusProtocol

/// A set of subscription patterns: the ZeroMQ prefixes to subscribe to and the check each received
/// topic must pass (ZeroMQ only filters by prefix).
public struct PatternSet: Sendable, Equatable {
    public private(set) var patterns: [TopicPattern] = []

    public init() {}

    public init(_ patterns: [String]) throws(ProtocolError) {
        for pattern in patterns { try insert(pattern) }
    }

    /// Adds a pattern; returns it parsed.
    @discardableResult
    public mutating func insert(_ pattern: String) throws(ProtocolError) -> TopicPattern {
        let parsed = try TopicPattern(pattern)
        if !patterns.contains(parsed) { patterns.append(parsed) }
        return parsed
    }

    /// Whether any pattern matches `topic`.
    public func matches(_ topic: String) -> Bool {
        patterns.contains { $0.matches(topic) }
    }

    /// The distinct ZeroMQ prefixes to subscribe to.
    public var zmqPrefixes: [String] {
        var seen = Set<String>()
        return patterns.map(\.zmqPrefix).filter { seen.insert($0).inserted }
    }
}
