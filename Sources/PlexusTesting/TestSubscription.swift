import Foundation
import PlexusClient
import PlexusProtocol

/// A subscription to the broker's events that is known to be live: it is returned only once the
/// broker delivers to it, so no event published afterwards is lost to ZeroMQ's "slow joiner".
///
/// It confirms itself the way the SDKs do (docs/PROTOCOL.md, section 4): it also subscribes to a
/// private probe topic `plexus.sync.test-…` and publishes empty events there until one comes back.
/// Probe events (its own and the plugins') never show up among its events.
///
/// Events it receives are kept in order until a wait takes them: `waitForEvent(topic:timeout:where:)`
/// returns the earliest kept event that matches and leaves the others for later waits.
///
/// ```swift
/// let welcomes = try broker.subscribe("user.welcome")
/// try broker.publish("user.created", text: #"{"name": "ada"}"#)
/// let welcome = try welcomes.waitForEvent(topic: "user.welcome", timeout: 5)
/// ```
///
/// Not thread-safe: use it from one thread at a time.
public final class TestSubscription {
    /// The patterns subscribed to (NATS-style: `user.*`, `user.>`).
    public let patterns: [String]
    /// This subscription's probe topic.
    public let probeTopic: String
    /// The most events kept; beyond it the oldest are dropped.
    public static let maxKept = 10_000

    private let subscriber: EventSubscriber
    private var kept: [ReceivedEvent] = []

    /// Subscribes to `patterns` on `eventsOut` and confirms the subscription with probes published
    /// through the control endpoint `control`, within `timeout` seconds.
    /// `curve`: the CURVE keys of its sockets (a broker with `security.curve`).
    public init(
        eventsOut: String, control: String, patterns: [String], timeout: Double = 10,
        curve: CurveCredentials? = CurveCredentials.processDefault
    ) throws {
        self.patterns = patterns
        probeTopic = "plexus.sync.test-\(UUID().uuidString.prefix(12).lowercased())"
        // The probe goes last; on a fresh connection all prefixes travel in one batch anyway.
        subscriber = try EventSubscriber(endpoint: eventsOut, patterns: patterns + [probeTopic], curve: curve)
        let client = try ControlClient(endpoint: control, timeout: min(5, max(timeout, 0.5)), curve: curve)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            _ = try client.publish(PublishRequest(topic: probeTopic, payload: []))
            let roundEnd = Date().addingTimeInterval(0.1)
            while let event = try subscriber.next(timeout: roundEnd.timeIntervalSinceNow) {
                if event.topic == probeTopic { return }
                keep(event)
            }
            if Date() >= deadline {
                throw PlexusTestingError(
                    .timeout, "the subscription to \(patterns) was not confirmed within \(timeout) s (no probe came back)")
            }
        }
    }

    /// The events received and not yet taken by a wait, oldest first.
    public var events: [ReceivedEvent] { kept }

    /// Forgets the events received so far (after reading what is waiting).
    public func removeAll() throws {
        _ = try receive(for: 0)
        kept.removeAll()
    }

    /// The next event, kept or new, or nil when none arrives within `timeout` seconds.
    public func next(timeout: Double) throws -> ReceivedEvent? {
        if !kept.isEmpty { return kept.removeFirst() }
        let deadline = Date().addingTimeInterval(timeout)
        while let event = try subscriber.next(timeout: deadline.timeIntervalSinceNow) {
            if !Self.isProbe(event) { return event }
        }
        return nil
    }

    /// The earliest event whose topic matches `topic` (a topic or a pattern such as `user.*`) and that
    /// `matches` accepts, waiting up to `timeout` seconds for it. Takes it; other events stay kept.
    public func waitForEvent(
        topic: String, timeout: Double = 10, where matches: (ReceivedEvent) throws -> Bool = { _ in true }
    ) throws -> ReceivedEvent {
        let pattern = try PatternSet([topic])
        func accepts(_ event: ReceivedEvent) throws -> Bool { try pattern.matches(event.topic) && matches(event) }
        if let index = try kept.firstIndex(where: accepts) { return kept.remove(at: index) }
        let deadline = Date().addingTimeInterval(timeout)
        while let event = try subscriber.next(timeout: deadline.timeIntervalSinceNow) {
            if Self.isProbe(event) { continue }
            if try accepts(event) { return event }
            keep(event)
        }
        let seen = kept.suffix(5).map(\.topic)
        throw PlexusTestingError(
            .timeout,
            "no event on \(topic) within \(timeout) s (subscribed to \(patterns); latest other topics: \(seen))")
    }

    /// Waits up to `timeout` seconds for the first event that arrives, then takes everything already
    /// waiting, and keeps it all; returns how many events were added. A zero timeout only reads what
    /// has arrived.
    @discardableResult
    public func receive(for timeout: Double) throws -> Int {
        var added = 0
        var wait = timeout
        while let event = try subscriber.next(timeout: max(wait, 0.000_001)) {
            wait = 0
            if Self.isProbe(event) { continue }
            keep(event)
            added += 1
        }
        return added
    }

    private func keep(_ event: ReceivedEvent) {
        guard !Self.isProbe(event) else { return }
        kept.append(event)
        if kept.count > Self.maxKept { kept.removeFirst(kept.count - Self.maxKept) }
    }

    private static func isProbe(_ event: ReceivedEvent) -> Bool { event.topic.hasPrefix("plexus.sync.") }
}
