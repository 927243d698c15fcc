import Foundation
import PlexusClient
import PlexusProtocol

extension TestBroker {
    /// The earliest event the helper's watch subscription received whose topic matches `topic` (a topic
    /// or pattern within `watching`, by default `plexus.>`) and that `matches` accepts, waiting up to
    /// `timeout` seconds. Takes it: the next wait finds the next one.
    ///
    /// The subscription is live from `init` on, so an event cannot slip by between an action and the
    /// wait for its consequence. Events from before `init` returned (a topology's first starts) may be
    /// missing: wait for states with `waitForRunning(_:timeout:)` or `waitForPlugin(_:state:timeout:)`.
    ///
    /// ```swift
    /// kill(first.pid, SIGKILL)
    /// let crashed = try broker.waitForEvent(topic: "plexus.plugin.crashed")
    /// ```
    @discardableResult
    public func waitForEvent(
        topic: String, timeout: Double = 10, where matches: (ReceivedEvent) throws -> Bool = { _ in true }
    ) throws -> ReceivedEvent {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            // One short wait at a time, so that other threads' waits get their turn.
            let slice = min(0.25, max(0, deadline.timeIntervalSinceNow))
            let event = try lock.withLock { () throws -> ReceivedEvent? in
                guard let watcher else {
                    throw PlexusTestingError(.usage, "this broker watches no events (watching: [])")
                }
                do {
                    return try watcher.waitForEvent(topic: topic, timeout: slice, where: matches)
                } catch let error as PlexusTestingError where error.code == .timeout {
                    return nil
                }
            }
            if let event { return event }
            if Date() >= deadline {
                throw PlexusTestingError(.timeout, "no event on \(topic) within \(timeout) s (watching \(watching))")
            }
        }
    }

    /// The instance object of the earliest `plexus.plugin.*` event on `topic` about `plugin` that
    /// `matches` accepts, waiting up to `timeout` seconds (see `waitForEvent(topic:timeout:where:)`).
    ///
    /// ```swift
    /// let back = try broker.waitForPluginEvent("plexus.plugin.running", plugin: "greeter") { $0.pid != old.pid }
    /// ```
    @discardableResult
    public func waitForPluginEvent(
        _ topic: String, plugin: String, timeout: Double = 15, where matches: (InstanceInfo) throws -> Bool = { _ in true }
    ) throws -> InstanceInfo {
        let event = try waitForEvent(topic: topic, timeout: timeout) { event in
            guard let info = try? JSONCoding.decode(InstanceInfo.self, from: event.payload, what: topic) else { return false }
            return try info.name == plugin && matches(info)
        }
        return try JSONCoding.decode(InstanceInfo.self, from: event.payload, what: topic)
    }

    /// Forgets the events the watch subscription received so far, so that the next wait sees only
    /// later ones.
    public func discardEvents() throws {
        try lock.withLock { try watcher?.removeAll() }
    }

    /// Waits until the broker holds at least `count` subscriptions (`STATS`), not counting the helper's
    /// own watch subscription, at most `timeout` seconds. For subscribers the helper does not confirm
    /// itself: a `plexus subscribe` process, a raw `subscriber(_:)`, a Python script.
    public func waitForSubscriptions(_ count: Int, timeout: Double = 10) throws {
        let client = try client()
        let own = watcher.map { (try? PatternSet($0.patterns + [$0.probeTopic]))?.zmqPrefixes.count ?? 0 } ?? 0
        var seen = 0
        // Nothing announces a subscription: poll the counter.
        let reached = waitUntil(timeout: timeout) {
            seen = ((try? client.stats().subscriptions) ?? 0) - own
            return seen >= count
        }
        guard reached else {
            throw PlexusTestingError(.timeout, "\(seen) subscriptions after \(timeout) s, waiting for \(count)")
        }
    }

    /// Evaluates `check` now and again after each event the watch subscription receives (and at least
    /// every 0.25 s, for changes no event announces), until it returns a value or `timeout` passes.
    func waitForEvents<T>(
        timeout: Double, _ what: @autoclosure () -> String, seen: () -> String = { "" }, _ check: () throws -> T?
    ) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try check() { return value }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                let detail = seen()
                throw PlexusTestingError(
                    .timeout, "\(what()) not seen within \(timeout) s" + (detail.isEmpty ? "" : ": \(detail)"))
            }
            let slice = min(0.25, remaining)
            if watcher == nil {
                Thread.sleep(forTimeInterval: min(0.05, slice))
            } else {
                _ = try lock.withLock { try watcher?.receive(for: slice) }
            }
        }
    }
}
