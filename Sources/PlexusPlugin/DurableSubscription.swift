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

extension DurableSubscription {
    /// The durable subscriptions a supervised plugin's `config:` block declares, as the Python SDK reads
    /// them: `durable:` holds one object or a list, each with `name` and `pattern`, and optionally
    /// `start` (`new`, `all` or a seq), `max_attempts` and `backoff` (seconds). An entry that is not
    /// valid is skipped and named in `problems`, so that a typo is logged rather than silently ignored.
    ///
    /// ```yaml
    /// plugins:
    ///   billing:
    ///     command: [.build/debug/billing]
    ///     config:
    ///       durable: { name: billing, pattern: "order.>", max_attempts: 3 }
    /// ```
    public static func declared(in config: JSONValue) -> (subscriptions: [DurableSubscription], problems: [String]) {
        let entries: [JSONValue]
        switch config["durable"] {
        case nil, .null?: return ([], [])
        case .array(let list)?: entries = list
        case let single?: entries = [single]
        }
        var subscriptions: [DurableSubscription] = []
        var problems: [String] = []
        for entry in entries {
            guard let name = entry["name"]?.stringValue, let pattern = entry["pattern"]?.stringValue else {
                problems.append("config durable entry \(entry) needs a name and a pattern")
                continue
            }
            do throws(ProtocolError) {
                try DurableName.check(name)
                _ = try TopicPattern(pattern)
            } catch {
                problems.append("config durable entry '\(name)': \(error.message)")
                continue
            }
            var start = DurableStart.new
            switch entry["start"] {
            case nil, .string("new")?: break
            case .string("all")?: start = .all
            case let value? where value.intValue.map({ $0 >= 0 }) == true: start = .after(UInt64(value.intValue!))
            case let value?:
                problems.append("config durable entry '\(name)': start \(value) must be new, all or a seq")
                continue
            }
            subscriptions.append(
                DurableSubscription(
                    name: name, pattern: pattern, start: start, maxAttempts: entry["max_attempts"]?.intValue ?? 5,
                    backoffMilliseconds: Int64(((entry["backoff"]?.doubleValue ?? 0.1) * 1000).rounded())))
        }
        return (subscriptions, problems)
    }
}
