import CoreMetrics
import PlexusProtocol
import Prometheus

/// The broker's Prometheus metrics: one registry per broker, never the process-wide `MetricsSystem`,
/// so that several brokers in one process (tests, embedders) keep their figures apart.
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

    /// A new, empty registry with `plexus_build_info` set.
    public init(version: String = PlexusConstants.version) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        factory = PrometheusMetricsFactory(registry: registry)
        registry.makeGauge(
            name: "plexus_build_info",
            labels: [("version", version), ("swift", Self.swiftVersion)],
            help: "Always 1; the labels name the broker's version and the Swift compiler that built it."
        ).set(to: 1)
    }

    /// Every metric in the Prometheus text exposition format (version 0.0.4), ready for `GET /metrics`.
    /// Safe to call from any thread while the broker runs.
    public func exposition() -> String {
        registry.emitToString()
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
}
