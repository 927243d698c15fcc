import Foundation
import PlexusProtocol
import ZeroMQ

/// A blocking subscriber that repairs its gaps from the broker's event log (docs/PROTOCOL.md, section 10):
/// every event of its patterns exactly once and in order per topic, or an explicit `EventLoss`.
///
/// A SUB on `events_out` (the patterns' prefixes and `plexus.events.heartbeat`) feeds a `GapRepair`; a
/// `ControlClient` sends the `REPLAY`s it asks for, and a `SUBSCRIBER` report every 5 s. With a `start`
/// it first replays the log from there, then goes live without a gap or a duplicate (the handshake).
///
/// ```swift
/// let subscriber = try ReliableSubscriber(control: client, eventsOut: discover.eventsOut, patterns: [">"], start: .seq(1))
/// while let delivery = try subscriber.next(timeout: 5) {
///     switch delivery {
///     case .event(let event): print(event.topic)
///     case .lost(let loss): print(loss)
///     case .epochChanged: break
///     }
/// }
/// ```
/// Not thread-safe: one thread reads it.
public final class ReliableSubscriber {
    /// What `next` returns.
    public enum Delivery: Sendable, Equatable {
        case event(ReceivedEvent)
        /// Events that will never come.
        case lost(EventLoss)
        /// The broker's sequence changed name (a new data directory): seqs start again.
        case epochChanged(from: String?, to: String)
    }

    /// How often the counts go to the broker.
    public static let reportIntervalSeconds = 5.0

    public let patterns: PatternSet
    /// Who reports (`SUBSCRIBER` `id`).
    public let id: String
    /// How long the handshake waits for the first heartbeat before it asks `EVENTS` for the head.
    public let heartbeatWait: Double
    private var repair: GapRepair
    private let control: ControlClient
    private let context: ZMQContext
    private let socket: Socket
    private var ready: [Delivery] = []
    private var readyStart = 0
    private let created = Date()
    private var lastReport = Date()
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// Counts for `SUBSCRIBER`, the same as the last report's.
    public var counters: GapRepair.Counters { repair.counters }

    /// - Parameters:
    ///   - control: the client that sends `REPLAY` and `SUBSCRIBER`; this subscriber owns it from now on.
    ///   - start: where to replay from before going live; nil for live events only (still repaired).
    ///   - receiveHighWaterMark: the SUB's queue (events); tests make it small to provoke gaps.
    public init(
        control: ControlClient, eventsOut: String, patterns: [String], start: ReplayStart? = nil,
        id: String = "plexus-subscribe-\(getpid())", heartbeatWait: Double = 5, receiveHighWaterMark: Int32 = 1_000_000,
        context: ZMQContext? = nil, curve: CurveCredentials? = CurveCredentials.processDefault
    ) throws {
        self.patterns = try PatternSet(patterns)
        self.control = control
        self.id = id
        self.heartbeatWait = heartbeatWait
        repair = GapRepair(patterns: self.patterns, start: start)
        origin = clock.now
        self.context = try context ?? ZMQContext()
        socket = try self.context.socket(.sub)
        // A repair takes a moment while the live events go on arriving: let them wait here, not be
        // dropped by the broker's queue for us.
        try socket.setReceiveHighWaterMark(receiveHighWaterMark)
        if let curve, !eventsOut.hasPrefix("inproc://") { try curve.apply(to: socket) }
        for prefix in self.patterns.zmqPrefixes { try socket.subscribe(prefix) }
        if !self.patterns.matches(EventHeartbeat.topic) { try socket.subscribe(EventHeartbeat.topic) }
        try socket.connect(eventsOut)
    }

    /// The next event or loss, or nil when none comes within `timeout` seconds.
    public func next(timeout: Double) throws -> Delivery? {
        let deadline = Date().addingTimeInterval(timeout)
        var poller = Poller()
        poller.add(socket)
        while true {
            if let delivery = takeReady() { return delivery }
            reportIfDue()
            if repair.isWaitingForHeartbeat, Date().timeIntervalSince(created) >= heartbeatWait {
                // No heartbeat: an older broker, or heartbeats off. The log's head bounds the start replay.
                let head = try control.eventLogState().headSeq
                perform(repair.startWithoutHeartbeat(head: head, now: now()))
                continue
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            let wait = min(remaining, Self.reportIntervalSeconds, repair.isWaitingForHeartbeat ? heartbeatWait : 3600)
            guard try poller.poll(timeoutMilliseconds: Int((wait * 1000).rounded(.up))) > 0 else { continue }
            // A bounded number per round, so that a flood cannot starve the reports.
            for _ in 0..<1_000 {
                guard let frames = try socket.receiveMultipart(dontWait: true, maxFrames: 8) else { break }
                guard let event = ReceivedEvent.decode(frames) else { continue }
                perform(repair.received(event, now: now()))
            }
        }
    }

    /// Sends the counts now (also done every 5 s from `next`); best effort, since an older broker does not
    /// know `SUBSCRIBER`.
    public func report() {
        lastReport = Date()
        let counts = repair.counters
        let report = SubscriberReport(
            id: id, patterns: patterns.patterns.map(\.description), received: counts.received, delivered: counts.delivered,
            gapsSeen: counts.gapsSeen, gapsRepaired: counts.gapsRepaired, eventsRepaired: counts.eventsRepaired,
            eventsLost: counts.eventsLost)
        try? control.send(.subscriber(report))
    }

    private func reportIfDue() {
        if Date().timeIntervalSince(lastReport) >= Self.reportIntervalSeconds { report() }
    }

    private func takeReady() -> Delivery? {
        guard readyStart < ready.count else { return nil }
        let delivery = ready[readyStart]
        readyStart += 1
        if readyStart == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyStart = 0
        }
        return delivery
    }

    private func now() -> Int64 {
        let elapsed = clock.now - origin
        return elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// Carries out the repair's actions; replays run here, synchronously, while live events wait in the SUB.
    private func perform(_ actions: [GapRepair.Action]) {
        var queue = actions[...]
        while let action = queue.popFirst() {
            switch action {
            case .deliver(let event): ready.append(.event(event))
            case .lost(let loss): ready.append(.lost(loss))
            case .epochChanged(let from, let to): ready.append(.epochChanged(from: from, to: to))
            case .replay(let request, let delay):
                if delay > 0 { Thread.sleep(forTimeInterval: Double(delay) / 1000) }
                let more: [GapRepair.Action]
                do {
                    more = repair.replayAnswered(try control.replay(request), now: now())
                } catch .rejected(let error) {
                    more = repair.replayFailed(error, now: now())
                } catch {
                    more = repair.replayFailed(reason: "\(error)", now: now())
                }
                queue = (Array(queue) + more)[...]
            }
        }
    }
}
