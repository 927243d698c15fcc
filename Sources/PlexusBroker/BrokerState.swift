import Foundation
import Logging
import PlexusMajordomo
import PlexusProcess
import PlexusProtocol
import PlexusSupervisor
import PlexusTasks
import PlexusTopology

/// The broker's core: every table the loop owns (sessions, supervision, services, tasks, Majordomo
/// peers, processes, event counters) as one value, with no sockets.
///
/// Its entry points take an input (control frames, a process event, a timer, a heartbeat tick) and
/// return the effects the loop must carry out with its sockets (`BrokerEffect`): frames to send and
/// events to publish. Processes and the task database are reached through ports (`ProcessControl`,
/// `TaskStore`), because the core needs their answers at once. So every flow through the broker (a call,
/// a task run, a crash and its restart) can be driven and checked in a unit test, without sockets.
///
/// Components do not call one another: what one component decides for another is queued as `Work`
/// and carried out in order by `drain()`, depth first, so the result is what direct calls would give
/// without any executor calling back into another.
///
/// ```swift
/// var state = BrokerState(configuration: configuration, brokerID: "b-1", endpoints: endpoints,
///                         store: try TaskStore(directory: nil), processes: processes, logger: logger)
/// let effects = state.control([route, [], Array("PLXC01".utf8), Array("PING".utf8), Array("1".utf8)])
/// ```
struct BrokerState {
    let configuration: BrokerConfiguration
    let brokerID: String
    let endpoints: BoundEndpoints
    let logger: Logger
    let processControl: any ProcessControl
    /// Runs the probes of supervised instances (docs/PROTOCOL.md section 4, "Health").
    let probes: any ProbeControl
    let startedMonotonic = Clock.monotonicMilliseconds()
    /// Who may do what: every request passes `authorize` (docs/ARCHITECTURE.md). With `security.curve`,
    /// the topology's permissions, rebuilt when a topology is applied.
    var policy: any BrokerPolicy
    /// Permission refusals, counted and aggregated for the log, the bus and the audit log.
    var violations = ViolationLog()
    /// Refused keys (or addresses) audited in the current violation window.
    var authAudited: Set<String> = []
    /// The event path's remembered publish decisions (cleared when the policy changes).
    var publishDecisions: [PublishDecisionKey: Bool] = [:]

    var registry = Registry()
    var supervisor: Supervisor
    var dispatcher = ServiceDispatcher<BrokerCaller>()
    /// Scheduled tasks and their database.
    var tasks: BrokerTasks
    /// Majordomo workers by routing id.
    var majordomoWorkers: [[UInt8]: MajordomoPeer] = [:]
    var logs = LogBuffer()
    /// Plugin processes by pid, to attribute their output.
    var processes: [Int32: String] = [:]
    /// The registration token of each supervised instance's current process, and that process's pid.
    var registrationTokens: [String: (pid: Int32, token: RegistrationToken)] = [:]
    /// The event path's counters and caches (the loop's `forwardEvents` updates them per event).
    var events: EventPathState
    var badInput = BadInputLog()
    /// Answers of 404 and 409: counted and logged at info, apart from malformed input.
    var clientErrors = BadInputLog(level: .info)
    /// Each instance's health: its reports and probe results (`BrokerState+Health.swift`).
    var healthRecords: [String: HealthRecord] = [:]
    /// SDK subscribers' reports of gaps seen and repaired (section 10), for `STATS`.
    var subscribers = SubscriberReports()
    /// The event log's state as the loop last saw it, for `STATS` (the log itself lives in the loop).
    var eventLogState: EventLogState?
    /// The cgroup of each supervised process that has limits, by pid (removed at its exit).
    var cgroups: [Int32: CgroupPlacement] = [:]
    /// Launches so far: each gets a cgroup of its own, named after its instance and this number.
    var launchCount = 0
    /// Set by `SHUTDOWN`: the loop then stops the mesh as it does for SIGTERM.
    var shutdownRequested = false
    /// Counts kept only for the metrics, and the histograms' observations not yet taken (docs/METRICS.md).
    var counters = BrokerCounters()
    /// The last resource sample of each supervised process, by pid (from the loop's sampler thread).
    var resources: [Int32: ResourceUsage] = [:]

    /// CurveZMQ authentication (`security.curve`); nil when it is off, and then nothing below changes.
    var curve: CurveSecurity?
    /// The broker's `ipc://` endpoints, given to plugins sandboxed without network (nil: not bound).
    var ipcEndpoints: BoundEndpoints?
    /// The authenticated sender of the control message being handled (CURVE on, a TCP peer); nil for
    /// a peer inside the process (`inproc://`: the HTTP API, embedders) and whenever CURVE is off.
    var peer: PeerIdentity?

    /// Effects produced so far by the current input; `takeEffects()` hands them over.
    private var outbox: [BrokerEffect] = []
    /// Decisions of one component for another, carried out by `drain()`: a stack, next item last.
    private var work: [Work] = []
    private var followUps: [Work] = []

    /// One decision to carry out.
    enum Work {
        case supervise(SupervisorAction)
        case dispatch(ServiceDispatcher<BrokerCaller>.Action)
        case schedule(SchedulerAction)
    }

    init(
        configuration: BrokerConfiguration, brokerID: String, endpoints: BoundEndpoints, tasks: BrokerTasks,
        processes: any ProcessControl, policy: any BrokerPolicy = AllowEverything(),
        events: EventPathState? = nil, probes: any ProbeControl = NoProbes(), logger: Logger
    ) {
        self.probes = probes
        self.configuration = configuration
        self.brokerID = brokerID
        self.endpoints = endpoints
        self.logger = logger
        self.processControl = processes
        self.policy = policy
        self.tasks = tasks
        self.events = events ?? EventPathState(maxTrackedTopics: configuration.maxTrackedTopics)
        self.supervisor = Supervisor(topology: configuration.topology ?? (try! Topology.parse("")))
        self.dispatcher.declared = (configuration.topology?.services ?? [:]).mapValues {
            ServiceSettings(
                queueLimit: $0.queueLimit, breakerFailures: $0.breakerFailures,
                breakerCooldownMilliseconds: $0.breakerCooldownMilliseconds)
        }
    }

    // MARK: Effects and work

    /// Queues frames for a control peer.
    mutating func sendControl(_ envelope: ControlEnvelope, _ body: [[UInt8]]) {
        outbox.append(.send(envelope, body))
    }

    /// Queues an event of the broker's own (lifecycle, task and breaker events, task runs on topics).
    mutating func publish(topic: String, payload: [UInt8], source: String, headersJSON: [UInt8]?) {
        outbox.append(.publish(BrokerEvent(topic: topic, payload: payload, source: source, headersJSON: headersJSON)))
    }

    /// Queues a `plexus.plugin.*` event about a session.
    mutating func publishLifecycle(_ topic: String, session: Registry.Session, reason: String? = nil) {
        let info = withHealth(session.info(nowMonotonic: Clock.monotonicMilliseconds(), reason: reason))
        publish(topic: topic, payload: JSONCoding.encode(info), source: PlexusConstants.brokerSource, headersJSON: nil)
    }

    mutating func emit(_ effect: BrokerEffect) {
        outbox.append(effect)
    }

    /// Carries out all queued work, then hands over every effect produced since the last call.
    mutating func takeEffects() -> [BrokerEffect] {
        drain()
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox
    }

    mutating func enqueue(_ actions: [SupervisorAction]) { followUps += actions.map(Work.supervise) }
    mutating func enqueue(_ actions: [ServiceDispatcher<BrokerCaller>.Action]) { followUps += actions.map(Work.dispatch) }
    /// Runs first, in order (a replace cancels before it starts), their events after them, so that a
    /// burst of fires reaches the plugins before the bus hears about it.
    mutating func enqueue(_ actions: [SchedulerAction]) {
        let isEvent: (SchedulerAction) -> Bool = { if case .publishEvent = $0 { true } else { false } }
        followUps += actions.filter { !isEvent($0) }.map(Work.schedule)
        followUps += actions.filter(isEvent).map(Work.schedule)
    }

    /// Carries out queued work depth first: what an item queues runs before the items after it, as a
    /// direct call would, so the order of effects is the order of decisions.
    mutating func drain() {
        work.append(contentsOf: followUps.reversed())
        followUps.removeAll()
        // Every item is one decision and each decision queues finitely many more: the loop ends. The
        // bound only turns a bug into a log line instead of a hang.
        for _ in 0..<10_000_000 {
            guard let item = work.popLast() else { return }
            switch item {
            case .supervise(let action): apply(action)
            case .dispatch(let action): apply(action)
            case .schedule(let action): apply(action)
            }
            work.append(contentsOf: followUps.reversed())
            followUps.removeAll()
        }
        logger.critical("broker core: work did not settle; dropping the rest", metadata: ["left": "\(work.count)"])
        work.removeAll()
    }
}
