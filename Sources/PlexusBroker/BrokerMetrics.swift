import CoreMetrics
import PlexusProtocol
import Prometheus
import Synchronization

/// The broker's Prometheus metrics: one registry per broker, never the process-wide `MetricsSystem`,
/// so that several brokers in one process (tests, embedders) keep their figures apart.
///
/// Two kinds of figures land in the registry:
/// - gauges and totals derived from the core's state (`MetricsSnapshot`): the loop offers a snapshot on
///   every heartbeat tick (1 s by default) and for each `METRICS` request, and `exposition()` applies the
///   latest one on the caller's thread, so it is at most one tick behind and `METRICS` is current;
/// - histograms, recorded as the loop hands over what the core observed (`record(_:)`), and the loop's
///   own lag.
///
/// Other parts of the process (the HTTP server's request metrics) record through `factory` with
/// swift-metrics' types, which land in the same registry:
///
/// ```swift
/// let requests = Counter(label: "plexus_http_requests_total", dimensions: [("code", "200")],
///                        factory: broker.metrics.factory)
/// requests.increment()
/// print(broker.metrics.exposition())   // Prometheus text format, version 0.0.4
/// ```
///
/// docs/METRICS.md lists every metric, its labels and the label-cardinality rules.
public final class BrokerMetrics: Sendable {
    /// A swift-metrics factory whose metrics are registered with this instance's registry.
    public let factory: any MetricsFactory
    /// The registry every metric of this broker lives in; `exposition()` renders it.
    let registry: PrometheusCollectorRegistry
    /// What turning snapshots into series needs to remember; `apply` may run on any thread.
    private let applied: Mutex<AppliedSeries>
    /// The service label's cap, shared by the snapshot's series and the latency histogram. A lock of its
    /// own, so that the loop recording latencies never waits for a scrape applying a snapshot.
    private let serviceLabels = Mutex(LabelCap(limit: BrokerMetrics.serviceLimit))
    /// The loop's latest snapshot, not applied yet: applying costs more than taking it, so it is done by
    /// whoever asks for the exposition, off the loop.
    /// Numbered, so that of two scrapes applying at once the older snapshot never lands after the newer
    /// (a total that seemed to fall would count as a restart of its part).
    private let pending = Mutex<(next: UInt64, snapshot: (number: UInt64, MetricsSnapshot)?)>((1, nil))

    private let loopLag: ValueHistogram
    private let taskRunDuration: ValueHistogram
    private let scheduleJitter: ValueHistogram

    /// Distinct topic groups (first tokens) with a series of their own; the rest are `_other`.
    public static let topicGroupLimit = 50
    /// Distinct plugin names with series of their own.
    public static let pluginLimit = 100
    /// Distinct service names with series of their own.
    public static let serviceLimit = 100

    /// A new, empty registry with `plexus_build_info` set.
    public init(version: String = PlexusConstants.version) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        factory = PrometheusMetricsFactory(registry: registry)
        applied = Mutex(AppliedSeries())
        registry.makeGauge(
            descriptor: Self.descriptor(
                "plexus_build_info", "Always 1; the labels name the broker's version and the Swift compiler that built it."),
            labels: [("version", version), ("swift", Self.swiftVersion)]
        ).set(to: 1)
        loopLag = registry.makeValueHistogram(
            descriptor: Self.descriptor(
                "plexus_broker_loop_lag_seconds",
                "How late the broker loop's periodic tick ran: a busy or blocked loop shows here."), buckets: Buckets.loopLag)
        taskRunDuration = registry.makeValueHistogram(
            descriptor: Self.descriptor(
                "plexus_task_run_duration_seconds", "Duration of task runs from start to end (succeeded or failed)."),
            buckets: Buckets.taskRun)
        scheduleJitter = registry.makeValueHistogram(
            descriptor: Self.descriptor(
                "plexus_task_schedule_jitter_seconds", "How long after its fire time a task run was dispatched (first attempts)."),
            buckets: Buckets.jitter)
    }

    /// Every metric in the Prometheus text exposition format (version 0.0.4), ready for `GET /metrics`.
    /// Safe to call from any thread while the broker runs.
    public func exposition() -> String {
        if let (number, snapshot) = pending.withLock({ $0.snapshot.take() }) { apply(snapshot, number: number) }
        return registry.emitToString()
    }

    /// Hands over the loop's latest snapshot, applied at the next `exposition()` (a newer one replaces it).
    func offer(_ snapshot: MetricsSnapshot) {
        pending.withLock { state in
            state.snapshot = (state.next, snapshot)
            state.next += 1
        }
    }

    /// The loop's periodic tick ran `seconds` late.
    func recordLoopLag(seconds: Double) {
        loopLag.record(max(0, seconds))
    }

    /// Records the core's observations in the histograms.
    func record(_ observations: [MetricObservation]) {
        guard !observations.isEmpty else { return }
        serviceLabels.withLock { services in
            for observation in observations {
                switch observation {
                case .serviceCall(let timing):
                    let service = services.label(timing.service)
                    registry.makeValueHistogram(
                        descriptor: Self.descriptor("plexus_service_request_duration_seconds", Help.serviceLatency),
                        labels: [("service", service)], buckets: Buckets.serviceLatency
                    ).record(Double(timing.microseconds) / 1_000_000)
                case .taskRun(let seconds):
                    taskRunDuration.record(seconds)
                case .scheduleJitter(let seconds):
                    scheduleJitter.record(seconds)
                }
            }
        }
    }

    /// Brings the series derived from the core's state up to `snapshot`.
    func apply(_ snapshot: MetricsSnapshot) {
        let number = pending.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        apply(snapshot, number: number)
    }

    private func apply(_ snapshot: MetricsSnapshot, number: UInt64) {
        applied.withLock { series in
            // Another thread applied a newer one meanwhile.
            guard number > series.lastApplied else { return }
            series.lastApplied = number
            var writer = SeriesWriter(registry: registry, series: series) { name in
                self.serviceLabels.withLock { $0.label(name) }
            }
            writer.write(snapshot)
            series = writer.finish()
        }
    }

    /// A metric's full name and help text, as the registry takes them.
    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The Swift compiler's version, as far as `#if compiler` can tell it.
    static var swiftVersion: String {
        #if compiler(>=6.4)
            return "6.4+"
        #elseif compiler(>=6.3)
            return "6.3"
        #elseif compiler(>=6.2)
            return "6.2"
        #elseif compiler(>=6.1)
            return "6.1"
        #else
            return "6.0"
        #endif
    }

    /// Histogram buckets, in seconds.
    enum Buckets {
        static let serviceLatency: [Double] = [
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        ]
        static let taskRun: [Double] = [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600]
        static let jitter: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5]
        static let loopLag: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5]
    }

    enum Help {
        static let serviceLatency = "Duration of service calls from acceptance by the broker to the answer, in seconds."
    }
}

/// The series made from snapshots so far: the label caps, the last totals (to add only what grew), and
/// the gauges set last time (so that a plugin or service that went away loses its gauges).
struct AppliedSeries: Sendable {
    var topicGroups = LabelCap(limit: BrokerMetrics.topicGroupLimit)
    var plugins = LabelCap(limit: BrokerMetrics.pluginLimit)
    /// The number of the snapshot applied last.
    var lastApplied: UInt64 = 0
    /// The last total added per series (metric name and label values) and per part of it (an instance
    /// id, a pid), so that a counter grows by what grew and never shrinks when a part goes away.
    var totals: [SeriesKey: [String: Double]] = [:]
    var gauges: [SeriesKey: Prometheus.Gauge] = [:]
}

/// A metric name with its label values.
struct SeriesKey: Hashable, Sendable {
    var name: String
    var labels: [String]
}
