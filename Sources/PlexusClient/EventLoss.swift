/// Events a subscriber will never get: the log does not hold them (a writer gap, a cut corrupted block),
/// retention removed them (410 truncated), or the log could not be asked. docs/PROTOCOL.md, section 10.
public struct EventLoss: Sendable, Equatable, CustomStringConvertible {
    /// The topic the seqs belong to, when the loss was found on one topic (a `prev` gap); nil when it
    /// covers any topic of the subscriber's patterns (a heartbeat's tail check, the start).
    public var topic: String?
    /// The first seq lost (inclusive).
    public var first: UInt64
    /// The last seq lost (inclusive).
    public var last: UInt64
    /// Why, in a few words (`log writer behind`, `truncated by retention`, …).
    public var reason: String

    public init(topic: String? = nil, first: UInt64, last: UInt64, reason: String) {
        self.topic = topic
        self.first = first
        self.last = last
        self.reason = reason
    }

    /// An upper bound of the events lost: seqs are shared by every topic, so not each one in the range
    /// was an event of this subscriber's.
    public var count: UInt64 { last >= first ? last - first + 1 : 0 }

    public var description: String {
        let range = first == last ? "seq \(first)" : "seqs \(first)–\(last)"
        return "lost \(range)" + (topic.map { " on \($0)" } ?? "") + ": \(reason)"
    }
}
