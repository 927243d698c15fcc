import PlexusProtocol
import Prometheus

/// Turns one `MetricsSnapshot` into the registry's gauges and counters (docs/METRICS.md), under
/// `BrokerMetrics`' lock. Values that share a capped label (`_other`) are summed, never overwritten.
struct SeriesWriter {
    let registry: PrometheusCollectorRegistry
    private var series: AppliedSeries
    private var gaugeValues: [SeriesKey: Double] = [:]
    /// The parts of each total (instance ids, pids, or just `""`), summed into one counter.
    private var totalParts: [SeriesKey: [String: Double]] = [:]
    private var labelNames: [String: [String]] = [:]
    private var help: [String: String] = [:]
    private var integral: Set<String> = []
    /// The service label for a service name (its cap is shared with the latency histogram).
    private let serviceLabel: (String) -> String

    init(registry: PrometheusCollectorRegistry, series: AppliedSeries, serviceLabel: @escaping (String) -> String) {
        self.registry = registry
        self.series = series
        self.serviceLabel = serviceLabel
    }

    mutating func write(_ snapshot: MetricsSnapshot) {
        for (state, count) in snapshot.instancesByState {
            gauge("plexus_plugins", ["state": state.rawValue], Double(count), "Plugin instances by state.")
        }
        for plugin in snapshot.plugins {
            let name = series.plugins.label(plugin.name)
            gauge(
                "plexus_plugin_up", ["plugin": name], plugin.running > 0 ? 1 : 0,
                "1 when at least one instance of the plugin is running, else 0.")
            gauge("plexus_plugin_instances", ["plugin": name], Double(plugin.instances), "Instances of the plugin.")
            total(
                "plexus_plugin_restarts_total", ["plugin": name],
                plugin.restarts.reduce(into: [:]) { $0[plugin.name + "/" + $1.key] = Double($1.value) },
                "Restarts of the plugin's supervised instances by the broker.")
            var rss = 0.0
            var fds = 0.0
            var threads = 0.0
            var cpu: [String: Double] = [:]
            for (pid, usage) in plugin.resources {
                rss += Double(usage.rssBytes)
                fds += Double(usage.openFDs)
                threads += Double(usage.threads)
                cpu["\(pid)"] = usage.cpuSeconds
            }
            guard !plugin.resources.isEmpty else { continue }
            gauge(
                "plexus_plugin_resident_memory_bytes", ["plugin": name], rss,
                "Resident memory of the plugin's supervised processes (/proc/PID/stat).")
            gauge(
                "plexus_plugin_open_fds", ["plugin": name], fds, "Open file descriptors of the plugin's supervised processes.")
            gauge("plexus_plugin_threads", ["plugin": name], threads, "Threads of the plugin's supervised processes.")
            total(
                "plexus_plugin_cpu_seconds_total", ["plugin": name], cpu,
                "CPU time (user and system) of the plugin's supervised processes while the broker watched them.",
                integral: false)
        }
        gauge("plexus_sessions", [:], Double(snapshot.sessions), "Plugin sessions registered with the broker.")
        total("plexus_events_in_total", [:], ["": Double(snapshot.eventsIn)], "Events accepted from publishers.")
        total("plexus_events_out_total", [:], ["": Double(snapshot.eventsOut)], "Event deliveries sent to subscribers.")
        total(
            "plexus_events_dropped_total", [:], ["": Double(snapshot.eventsDropped)],
            "Events that at least one subscriber missed because its queue was full.")
        for (reason, count) in snapshot.eventsRejected {
            total("plexus_events_rejected_total", ["reason": reason], ["": Double(count)], "Events refused, by reason.")
        }
        // Sorted, so that which groups get a series of their own does not depend on dictionary order.
        for group in snapshot.topicGroups.keys.sorted() {
            guard let figures = snapshot.topicGroups[group] else { continue }
            let label = group == LabelCap.other ? LabelCap.other : series.topicGroups.label(group)
            total(
                "plexus_topic_events_total", ["topic_group": label], [group: Double(figures.events)],
                "Events accepted, by the first token of their topic.")
            total(
                "plexus_topic_bytes_total", ["topic_group": label], [group: Double(figures.bytes)],
                "Payload bytes accepted, by the first token of their topic.")
            total(
                "plexus_topic_dropped_total", ["topic_group": label], [group: Double(figures.dropped)],
                "Events a subscriber missed (queue full), by the first token of their topic.")
        }
        gauge("plexus_subscriptions", [:], Double(snapshot.subscriptions), "Subscriptions held (one per subscriber and prefix).")
        for service in snapshot.services {
            let name = serviceLabel(service.name)
            for (outcome, count) in service.outcomes {
                total(
                    "plexus_service_requests_total", ["service": name, "outcome": outcome], [service.name: Double(count)],
                    "Service calls by outcome.")
            }
            gauge(
                "plexus_service_in_flight", ["service": name], Double(service.inFlight),
                "Service calls handed to an instance and not answered yet.")
            gauge("plexus_service_queued", ["service": name], Double(service.queued), "Service calls waiting for an instance.")
            for state in ["closed", "open", "half-open"] {
                gauge(
                    "plexus_service_breaker_state", ["service": name, "state": state], service.breaker == state ? 1 : 0,
                    "1 for the circuit breaker's current state (closed, open, half-open), else 0.")
            }
        }
        for (outcome, count) in snapshot.taskRuns {
            total("plexus_task_runs_total", ["outcome": outcome], ["": Double(count)], "Task runs by outcome.")
        }
        for (state, count) in snapshot.tasks {
            gauge("plexus_tasks", ["state": state], Double(count), "Scheduled tasks by state.")
        }
        for (command, count) in snapshot.controlRequests {
            total(
                "plexus_control_requests_total", ["command": command], ["": Double(count)],
                "Control-protocol requests by command (_invalid: requests that did not decode).")
        }
        for (kind, count) in snapshot.badInput {
            total(
                "plexus_bad_input_total", ["kind": kind], ["": Double(count)],
                "Bad input counted and logged by the broker, by kind (what STATS calls malformed).")
        }
        for (error, count) in snapshot.clientErrors {
            total(
                "plexus_client_errors_total", ["error": error], ["": Double(count)],
                "Answers of 404 and 409 by error name: what a correct client meets in normal use (STATS client_errors).")
        }
        for (verb, count) in snapshot.violations {
            total(
                "plexus_security_violations_total", ["verb": verb], ["": Double(count)],
                "Requests the permissions refused, by verb (STATS violations; docs/SECURITY.md).")
        }
        gauge("plexus_broker_uptime_seconds", [:], snapshot.uptimeSeconds, "Seconds since the broker started.")
    }

    /// Sets the gauges and grows the counters, then returns what the next snapshot needs.
    mutating func finish() -> AppliedSeries {
        var gauges: [SeriesKey: Prometheus.Gauge] = [:]
        for (key, value) in gaugeValues {
            let gauge =
                series.gauges[key]
                ?? registry.makeGauge(
                    descriptor: BrokerMetrics.descriptor(key.name, help[key.name] ?? ""), labels: labels(key))
            gauge.set(to: value)
            gauges[key] = gauge
        }
        // A plugin or service that went away takes its gauges along.
        for (key, gauge) in series.gauges where gauges[key] == nil { registry.unregisterGauge(gauge) }
        series.gauges = gauges
        for (key, parts) in totalParts {
            let counter = registry.makeCounter(
                descriptor: BrokerMetrics.descriptor(key.name, help[key.name] ?? ""), labels: labels(key))
            let previous = series.totals[key] ?? [:]
            var grown = 0.0
            for (part, value) in parts {
                // A part whose total fell started again (a reused instance id): all of it is new.
                let before = previous[part] ?? 0
                grown += value >= before ? value - before : value
            }
            if grown > 0 {
                if integral.contains(key.name) {
                    counter.increment(by: Int64(grown.rounded()))
                } else {
                    counter.increment(by: grown)
                }
            }
            // Parts that went away keep what they added; they are simply not remembered.
            series.totals[key] = parts
        }
        return series
    }

    private func labels(_ key: SeriesKey) -> [(String, String)] {
        Array(zip(labelNames[key.name] ?? [], key.labels))
    }

    private mutating func key(_ name: String, _ labels: [String: String], _ text: String) -> SeriesKey {
        let names = labels.keys.sorted()
        labelNames[name] = names
        help[name] = text
        return SeriesKey(name: name, labels: names.map { labels[$0]! })
    }

    private mutating func gauge(_ name: String, _ labels: [String: String], _ value: Double, _ text: String) {
        gaugeValues[key(name, labels, text), default: 0] += value
    }

    private mutating func total(
        _ name: String, _ labels: [String: String], _ parts: [String: Double], _ text: String, integral: Bool = true
    ) {
        if integral { self.integral.insert(name) }
        let key = key(name, labels, text)
        totalParts[key, default: [:]].merge(parts) { $0 + $1 }
    }
}
