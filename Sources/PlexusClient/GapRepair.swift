import PlexusProtocol

/// A subscriber's gap repair (docs/PROTOCOL.md, section 10) as a value: no sockets, no clock. Feed it what
/// the SUB receives (events and `plexus.events.heartbeat`) and the answers to the `REPLAY`s it asks for; it
/// returns what to do: deliver an event, report a loss, send a replay. Events come out exactly once and in
/// order per topic; what the log cannot give comes out as an `EventLoss`.
///
/// At most one replay is outstanding. While it is, live events and heartbeats wait in a backlog, so that
/// nothing overtakes the repaired events; they are processed when the repair ends.
///
/// ```swift
/// var repair = GapRepair(patterns: try PatternSet(["user.>"]), start: .seq(1))
/// var actions = repair.received(heartbeat, now: 0)      // [.replay(user.> from 1 to head, after: 0)]
/// actions = repair.replayAnswered(answer, now: 5)        // [.deliver(…), …] then the buffered live events
/// ```
public struct GapRepair: Sendable {
    /// What the driver does next, in order.
    public enum Action: Sendable, Equatable {
        /// Hand the event to the handler.
        case deliver(ReceivedEvent)
        /// Send this `REPLAY` after waiting `afterMilliseconds`, and feed the answer back with
        /// `replayAnswered` (or the refusal with `replayFailed`).
        case replay(ReplayRequest, afterMilliseconds: Int64)
        /// Tell the handler (and the log) that these events will never come.
        case lost(EventLoss)
        /// The broker's sequence has a new name: what was known of seqs is forgotten.
        case epochChanged(from: String?, to: String)
    }

    /// What `SUBSCRIBER` reports.
    public struct Counters: Sendable, Equatable {
        /// Live events of the patterns received (duplicates included, heartbeats not).
        public var received: UInt64 = 0
        /// Events handed to the handler, live or replayed.
        public var delivered: UInt64 = 0
        /// Losses found by `prev` or by a heartbeat's tail check.
        public var gapsSeen: UInt64 = 0
        /// Of those, the ones the log filled completely.
        public var gapsRepaired: UInt64 = 0
        /// Events delivered from a repair's replay (not from the start's).
        public var eventsRepaired: UInt64 = 0
        /// An upper bound of the seqs reported lost.
        public var eventsLost: UInt64 = 0

        public init() {}
    }

    /// How long a repair waits for a log writer that is a moment behind.
    public static let repairWindowMilliseconds: Int64 = 5_000
    /// Between two asks while the log has not caught up.
    public static let retryDelayMilliseconds: Int64 = 100

    public let patterns: PatternSet
    public internal(set) var counters = Counters()
    /// Per topic, the last seq delivered.
    public internal(set) var last: [String: UInt64] = [:]
    /// The seq from which the subscriber owes itself every event (a heartbeat's head, or the start
    /// replay's end); nil until known.
    public internal(set) var start: UInt64?
    /// The last heartbeat `head` up to which every event was received or repaired.
    public internal(set) var trustedHead: UInt64?
    /// The broker's sequence name, once seen.
    public internal(set) var epoch: String?

    /// The handshake's start, until the first heartbeat begins it; nil for live only.
    var pendingStart: ReplayStart?
    /// Before the first heartbeat of a subscription with a start: events wait.
    var awaitingFirstHeartbeat: Bool
    /// The next heartbeat is the first since the SUB (re)subscribed: it triggers a tail check.
    var firstSinceSubscribe = true
    var lastHeartbeat: (n: UInt64, dropped: UInt64)?
    var job: Job?
    /// Inputs that arrived while a replay was outstanding, oldest first.
    var backlog: [ReceivedEvent] = []
    var backlogStart = 0

    /// `start` nil: live only, events are delivered at once. Otherwise events wait for the first heartbeat,
    /// whose `head` bounds the start replay (the handshake).
    public init(patterns: PatternSet, start: ReplayStart? = nil) {
        self.patterns = patterns
        pendingStart = start
        awaitingFirstHeartbeat = start != nil
    }

    /// Whether a replay is outstanding.
    public var isRepairing: Bool { job != nil }
    /// Whether the handshake still waits for its first heartbeat (see `startWithoutHeartbeat`).
    public var isWaitingForHeartbeat: Bool { awaitingFirstHeartbeat }

    /// The SUB was connected again (after a broker loss): the next heartbeat checks the tail from the last
    /// trusted head.
    public mutating func resubscribed() {
        firstSinceSubscribe = true
    }

    /// A live message from the SUB: an event or the event heartbeat. `now` is a monotonic clock in ms.
    public mutating func received(_ event: ReceivedEvent, now: Int64) -> [Action] {
        if job != nil || awaitingFirstHeartbeat && event.topic != EventHeartbeat.topic {
            backlog.append(event)
            return []
        }
        return process(event, now: now)
    }

    /// No heartbeat came (an older broker, or heartbeats off): start the handshake anyway, up to `head`
    /// (`EVENTS`' `head_seq`).
    public mutating func startWithoutHeartbeat(head: UInt64, now: Int64) -> [Action] {
        guard awaitingFirstHeartbeat, let start = pendingStart else { return [] }
        return beginHandshake(start, head: head, now: now)
    }

    /// One input, outside a repair.
    mutating func process(_ event: ReceivedEvent, now: Int64) -> [Action] {
        if event.topic == EventHeartbeat.topic {
            guard let beat = try? JSONCoding.decode(EventHeartbeat.self, from: event.payload, what: "heartbeat") else {
                return []
            }
            return heartbeat(beat, now: now)
        }
        var actions = checkEpoch(event.meta.epoch)
        guard patterns.matches(event.topic) else { return actions }
        counters.received += 1
        let seq = event.meta.seq
        if let delivered = last[event.topic] {
            if seq <= delivered { return actions }
            if let prev = event.meta.prev, prev > delivered {
                return actions + beginGap(event, from: delivered + 1, now: now)
            }
        } else if let start, let prev = event.meta.prev, prev > start {
            return actions + beginGap(event, from: start + 1, now: now)
        }
        actions.append(deliver(event))
        return actions
    }

    mutating func deliver(_ event: ReceivedEvent) -> Action {
        last[event.topic] = event.meta.seq
        counters.delivered += 1
        return .deliver(event)
    }

    /// Forgets every seq when the broker's sequence changed name.
    mutating func checkEpoch(_ seen: String?) -> [Action] {
        guard let seen, !seen.isEmpty, seen != epoch else { return [] }
        defer { epoch = seen }
        guard let known = epoch else { return [] }
        last.removeAll()
        start = nil
        trustedHead = nil
        lastHeartbeat = nil
        return [.epochChanged(from: known, to: seen)]
    }

    mutating func heartbeat(_ beat: EventHeartbeat, now: Int64) -> [Action] {
        let actions = checkEpoch(beat.epoch)
        let previous = lastHeartbeat
        let first = firstSinceSubscribe
        lastHeartbeat = (beat.n, beat.dropped)
        firstSinceSubscribe = false
        if awaitingFirstHeartbeat, let pending = pendingStart {
            return actions + beginHandshake(pending, head: beat.head, now: now)
        }
        guard let trusted = trustedHead else {
            // Nothing trusted yet (live only, or a new epoch): from here on every event is owed.
            trustedHead = beat.head
            if start == nil { start = beat.head }
            return actions
        }
        let consistent = !first && previous.map { beat.n == $0.n &+ 1 && beat.dropped == $0.dropped } ?? false
        if consistent || beat.head <= trusted {
            trustedHead = max(trusted, beat.head)
            return actions
        }
        return actions + beginTailCheck(from: trusted + 1, to: beat.head, now: now)
    }
}
