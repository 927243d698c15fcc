import PlexusProtocol
import PlexusTopology

/// Everything a broker needs to start: where to bind, how to judge liveness, and the plugins' config.
public struct BrokerConfiguration: Sendable {
    /// The control endpoint (ROUTER). A port `*` binds an ephemeral port.
    public var controlEndpoint: String
    /// Where publishers' PUB sockets connect (the broker binds SUB).
    public var eventsInEndpoint: String
    /// Where subscribers' SUB sockets connect (the broker binds XPUB).
    public var eventsOutEndpoint: String
    /// How often heartbeats go out and liveness is checked.
    public var heartbeatIntervalMilliseconds: Int
    /// Heartbeats a plugin may miss before it is evicted.
    public var heartbeatLiveness: Int
    /// The topology whose plugins the broker launches and supervises; its `config:` blocks are what
    /// plugins get in `WELCOME`.
    public var topology: Topology?
    /// Where the topology came from, re-read by `RELOAD` and SIGHUP.
    public var topologyPath: String?
    /// The largest event accepted, topic, payload and headers together (bytes). Larger ones are refused
    /// and counted; it also sizes the queues below, so that they are bounded in bytes.
    public var maxEventBytes: Int
    /// The memory one subscriber's outbound queue (and one publisher's inbound queue) may hold, in bytes.
    /// libzmq counts its queues in messages, so their depth is this divided by `maxEventBytes`.
    public var subscriberQueueBytes: Int
    /// An explicit queue depth in events, overriding the one derived from the byte budget (0: unbounded,
    /// for benchmarks only).
    public var eventsHighWaterMark: Int32?
    /// The most plugin sessions at once; a `REGISTER` past it is refused with 503.
    public var maxSessions: Int
    /// The most distinct topics that get their own counters; the rest are counted under `(other)`.
    public var maxTrackedTopics: Int
    /// libzmq I/O threads. libzmq's per-frame work in these threads, not the broker loop, limits the
    /// forwarding of small events; on a machine with cores to spare, 2 lets inbound and outbound
    /// connections be served in parallel (on the 2-core reference machine it made no difference).
    public var ioThreads: Int32
    /// The broker's data directory (the task database, `tasks.sqlite`); nil keeps tasks in memory only.
    public var dataDirectory: String?
    /// The most scheduled tasks: `TASKS ADD` is refused (409) once the broker holds this many.
    /// Tasks declared in the topology are always kept (the file may declare at most this many).
    public var maxTasks: Int
    /// The `events:` section: the event log (retention, sync) and the event sockets' high-water marks.
    public var events = EventsSection()
    /// `plexus broker --insecure`: bind a non-loopback address without CURVE (refused otherwise).
    public var allowInsecure = false

    public init(
        controlEndpoint: String = PlexusConstants.defaultControlEndpoint,
        eventsInEndpoint: String = PlexusConstants.defaultEventsInEndpoint,
        eventsOutEndpoint: String = PlexusConstants.defaultEventsOutEndpoint,
        heartbeatIntervalMilliseconds: Int = PlexusConstants.heartbeatIntervalMilliseconds,
        heartbeatLiveness: Int = PlexusConstants.heartbeatLiveness,
        topology: Topology? = nil,
        topologyPath: String? = nil,
        eventsHighWaterMark: Int32? = nil,
        maxEventBytes: Int = 256 * 1024,
        subscriberQueueBytes: Int = 1 << 30,
        maxSessions: Int = 10_000,
        maxTrackedTopics: Int = 10_000,
        ioThreads: Int32 = 1,
        dataDirectory: String? = nil,
        maxTasks: Int = Topology.BrokerSection.defaultMaxTasks
    ) {
        self.controlEndpoint = controlEndpoint
        self.eventsInEndpoint = eventsInEndpoint
        self.eventsOutEndpoint = eventsOutEndpoint
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        self.heartbeatLiveness = heartbeatLiveness
        self.topology = topology
        self.topologyPath = topologyPath
        self.eventsHighWaterMark = eventsHighWaterMark
        self.maxEventBytes = maxEventBytes
        self.subscriberQueueBytes = subscriberQueueBytes
        self.maxSessions = maxSessions
        self.maxTrackedTopics = maxTrackedTopics
        self.ioThreads = ioThreads
        self.dataDirectory = dataDirectory
        self.maxTasks = maxTasks
    }

    /// The depth of each event queue in events (libzmq's high-water mark): the byte budget over the
    /// largest event, at least 16, unless set explicitly.
    public var eventQueueDepth: Int32 {
        if let eventsHighWaterMark { return eventsHighWaterMark }
        return Int32(clamping: max(16, subscriberQueueBytes / max(1, maxEventBytes)))
    }

    /// The high-water mark of `events_in` (per publisher): `events.high_water_marks.events_in`, else
    /// `eventQueueDepth`.
    public var eventsInQueueDepth: Int32 {
        if eventsHighWaterMark == nil, let depth = events.eventsInHighWaterMark { return Int32(clamping: depth) }
        return eventQueueDepth
    }

    /// The high-water mark of `events_out` (per subscriber): `events.high_water_marks.events_out`, else
    /// `eventQueueDepth`.
    public var eventsOutQueueDepth: Int32 {
        if eventsHighWaterMark == nil, let depth = events.eventsOutHighWaterMark { return Int32(clamping: depth) }
        return eventQueueDepth
    }

    /// The silence after which a plugin counts as gone.
    public var expiryMilliseconds: Int { heartbeatIntervalMilliseconds * heartbeatLiveness }
}
