import PlexusProtocol

/// A durable subscription a plugin declares (docs/PROTOCOL.md, section 10): the broker keeps a cursor
/// under `name`, and the SDK hands every event of `pattern` after it to `Plugin.handleDurable`, at least
/// once, in seq order, retrying a handler that throws and dead-lettering the event after `maxAttempts`.
///
/// ```swift
/// var durableSubscriptions: [DurableSubscription] { [DurableSubscription(name: "billing", pattern: "order.>")] }
/// ```
public struct DurableSubscription: Sendable, Equatable {
    /// The cursor's name (letters, digits, `-`, `_`, `.`); dead letters go to `plexus.deadletter.NAME`.
    public var name: String
    public var pattern: String
    /// Where a new cursor starts (an existing one resumes after its acked seq).
    public var start: DurableStart
    /// Tries of the handler before the event goes to the dead letters.
    public var maxAttempts: Int
    /// The wait after the first failure; it doubles after each further one.
    public var backoffMilliseconds: Int64

    public init(
        name: String, pattern: String, start: DurableStart = .new, maxAttempts: Int = 5, backoffMilliseconds: Int64 = 100
    ) {
        self.name = name
        self.pattern = pattern
        self.start = start
        self.maxAttempts = max(1, maxAttempts)
        self.backoffMilliseconds = max(0, backoffMilliseconds)
    }
}
