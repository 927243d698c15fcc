/// The body of a `PING` reply.
public struct PingReply: Codable, Sendable, Equatable {
    public var pong: Bool
    /// The broker's clock, microseconds since the Unix epoch.
    public var time: Int64
    public var broker: String
    public var version: String
    public var uptimeSeconds: Double
    /// Whether the broker is ready: every enabled supervised plugin running and not critical (nil from
    /// brokers before health).
    public var ready: Bool?
    /// Why not, one reason per plugin instance (empty when ready).
    public var notReady: [String]?

    public init(
        time: Int64, broker: String, version: String, uptimeSeconds: Double, ready: Bool? = nil, notReady: [String]? = nil
    ) {
        self.pong = true
        self.time = time
        self.broker = broker
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.ready = ready
        self.notReady = notReady
    }

    enum CodingKeys: String, CodingKey {
        case pong, time, broker, version, ready
        case uptimeSeconds = "uptime_s"
        case notReady = "not_ready"
    }
}

/// The body of a `DISCOVER` reply: where the broker's endpoints are.
public struct DiscoverReply: Codable, Sendable, Equatable {
    public var `protocol`: Int
    public var broker: String
    public var control: String
    public var eventsIn: String
    public var eventsOut: String
    public var heartbeatMilliseconds: Int
    public var liveness: Int
    /// The largest control message the broker takes (bytes); nil from an older broker.
    public var maxMessageBytes: Int?
    /// The largest event the broker takes, topic, payload and headers together (bytes).
    public var maxEventBytes: Int?
    /// The broker's CURVE public key (Z85) when `security.curve` is on: what clients set as the server key.
    public var curvePublicKey: String?
    /// The same endpoints on `ipc://` (docs/SECURITY.md, "Sandbox"): a client that reached the broker
    /// over ipc (a process without network) uses these event endpoints. Nil when not bound.
    public var ipc: BoundEndpoints?

    public init(
        broker: String, control: String, eventsIn: String, eventsOut: String, heartbeatMilliseconds: Int,
        liveness: Int, maxMessageBytes: Int? = nil, maxEventBytes: Int? = nil, curvePublicKey: String? = nil,
        ipc: BoundEndpoints? = nil
    ) {
        self.curvePublicKey = curvePublicKey
        self.ipc = ipc
        self.maxMessageBytes = maxMessageBytes
        self.maxEventBytes = maxEventBytes
        self.protocol = PlexusConstants.protocolVersion
        self.broker = broker
        self.control = control
        self.eventsIn = eventsIn
        self.eventsOut = eventsOut
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.liveness = liveness
    }

    enum CodingKeys: String, CodingKey {
        case `protocol`, broker, control, liveness, ipc
        case eventsIn = "events_in"
        case eventsOut = "events_out"
        case heartbeatMilliseconds = "heartbeat_ms"
        case maxMessageBytes = "max_message_bytes"
        case maxEventBytes = "max_event_bytes"
        case curvePublicKey = "curve_public_key"
    }
}

/// The body of a `PUBLISH` reply.
public struct PublishReply: Codable, Sendable, Equatable {
    /// The sequence number the event was stamped with.
    public var seq: UInt64
    public init(seq: UInt64) { self.seq = seq }
}

/// Per-topic counters in a `STATS` reply.
public struct TopicStats: Codable, Sendable, Equatable {
    public var count: UInt64
    public var bytes: UInt64
    public var lastSeq: UInt64
    /// Events on this topic that at least one subscriber missed because its queue was full.
    public var dropped: UInt64

    public init(count: UInt64 = 0, bytes: UInt64 = 0, lastSeq: UInt64 = 0, dropped: UInt64 = 0) {
        self.count = count
        self.bytes = bytes
        self.lastSeq = lastSeq
        self.dropped = dropped
    }

    enum CodingKeys: String, CodingKey {
        case count, bytes, dropped
        case lastSeq = "last_seq"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(UInt64.self, forKey: .count)
        bytes = try container.decode(UInt64.self, forKey: .bytes)
        lastSeq = try container.decode(UInt64.self, forKey: .lastSeq)
        dropped = try container.decodeIfPresent(UInt64.self, forKey: .dropped) ?? 0
    }
}

/// The body of a `STATS` reply.
public struct StatsReply: Codable, Sendable, Equatable {
    /// Events accepted into the bus.
    public var eventsIn: UInt64
    /// Events forwarded to subscribers.
    public var eventsOut: UInt64
    /// Events that at least one subscriber missed because its queue was full (or that could not be sent).
    /// libzmq does not say which subscriber: per topic, `topics[...].dropped` narrows it down.
    public var dropped: UInt64
    /// Bad input by kind (`events`, `control`, `plugin`).
    public var malformed: [String: UInt64]
    /// Answers of 404 (`not_found`) and 409 (`conflict`) by error name: ordinary client errors, not bad input.
    public var clientErrors: [String: UInt64]?
    public var topics: [String: TopicStats]
    /// Subscriptions currently held: one per subscriber and prefix.
    public var subscriptions: Int
    /// The scheduler's firing delay (time dispatched minus time scheduled) over its last 1,024 runs.
    public var taskJitter: TaskJitter?
    /// Topics with counters of their own; `topics` holds one page of them.
    public var topicCount: Int?
    /// The broker's limits that bound memory (docs/LIMITS.md).
    public var limits: Limits?

    /// The broker's memory limits, as configured.
    public struct Limits: Codable, Sendable, Equatable {
        public var maxEventBytes: Int
        /// Events each subscriber's (and publisher's) queue holds at most.
        public var eventQueueDepth: Int
        public var maxSessions: Int
        public var maxTrackedTopics: Int

        public init(maxEventBytes: Int, eventQueueDepth: Int, maxSessions: Int, maxTrackedTopics: Int) {
            self.maxEventBytes = maxEventBytes
            self.eventQueueDepth = eventQueueDepth
            self.maxSessions = maxSessions
            self.maxTrackedTopics = maxTrackedTopics
        }

        enum CodingKeys: String, CodingKey {
            case maxEventBytes = "max_event_bytes"
            case eventQueueDepth = "event_queue_depth"
            case maxSessions = "max_sessions"
            case maxTrackedTopics = "max_tracked_topics"
        }
    }

    /// Whether the task database can be written (docs/PROTOCOL.md section 9).
    public var taskStorage: TaskStorage?

    /// The task database's health: while `ok` is false, task commands that change something answer
    /// 503 and changes wait in memory (`pending`), retried every second.
    public struct TaskStorage: Codable, Sendable, Equatable {
        /// The database file (`memory` without a data directory).
        public var database: String
        /// Whether the last write succeeded.
        public var ok: Bool
        /// Failed writes since the broker started.
        public var writeFailures: UInt64
        /// When the current run of failures began (µs since the epoch); nil while `ok`.
        public var failingSince: Int64?
        /// The latest failure, naming the file; it stays after the database works again.
        public var lastError: String?
        /// Task rows (changes and deletions) waiting to be stored.
        public var pending: Int

        public init(
            database: String, ok: Bool, writeFailures: UInt64, failingSince: Int64?, lastError: String?, pending: Int
        ) {
            self.database = database
            self.ok = ok
            self.writeFailures = writeFailures
            self.failingSince = failingSince
            self.lastError = lastError
            self.pending = pending
        }

        enum CodingKeys: String, CodingKey {
            case database, ok, pending
            case writeFailures = "write_failures"
            case failingSince = "failing_since"
            case lastError = "last_error"
        }
    }

    /// The event log in brief (`EVENTS` has all of it): what it holds and what it could not take.
    public var eventLog: EventLogState?
    /// The last report of each SDK subscriber that reported in the last minute (section 10).
    public var subscribers: [SubscriberReport]?
    /// With `security.curve`: requests the permissions refused, by verb (`publish`, `subscribe`, `serve`,
    /// `call`, `admin`; docs/SECURITY.md, "Permissions").
    public var violations: [String: UInt64]?

    /// Scheduled-task firing delay, milliseconds.
    public struct TaskJitter: Codable, Sendable, Equatable {
        /// Runs dispatched since the broker started.
        public var runs: UInt64
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double

        public init(runs: UInt64, p50Milliseconds: Double, p99Milliseconds: Double) {
            self.runs = runs
            self.p50Milliseconds = p50Milliseconds
            self.p99Milliseconds = p99Milliseconds
        }

        enum CodingKeys: String, CodingKey {
            case runs
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
        }
    }

    public init(
        eventsIn: UInt64, eventsOut: UInt64, dropped: UInt64, malformed: [String: UInt64],
        clientErrors: [String: UInt64]? = nil, topics: [String: TopicStats], subscriptions: Int, taskJitter: TaskJitter? = nil,
        taskStorage: TaskStorage? = nil,
        topicCount: Int? = nil, limits: Limits? = nil
    ) {
        self.topicCount = topicCount
        self.limits = limits
        self.eventsIn = eventsIn
        self.eventsOut = eventsOut
        self.dropped = dropped
        self.malformed = malformed
        self.clientErrors = clientErrors
        self.topics = topics
        self.subscriptions = subscriptions
        self.taskJitter = taskJitter
        self.taskStorage = taskStorage
    }

    enum CodingKeys: String, CodingKey {
        case dropped, malformed, topics, subscriptions, limits
        case taskJitter = "task_jitter"
        case topicCount = "topic_count"
        case taskStorage = "task_storage"
        case eventLog = "event_log"
        case subscribers, violations
        case eventsIn = "events_in"
        case eventsOut = "events_out"
        case clientErrors = "client_errors"
    }
}
