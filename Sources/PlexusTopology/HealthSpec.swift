/// A plugin's `health:` block in topology.yaml (docs/TOPOLOGY.md): the broker's probe and what a
/// critical health does.
///
/// ```yaml
/// health:
///   probe: { http: "http://127.0.0.1:8080/", interval: 5s, timeout: 1s, failure_threshold: 3 }
///   on_critical: restart
///   for: 30s
/// ```
public struct HealthSpec: Sendable, Equatable {
    /// What a critical instance gets.
    public enum OnCritical: String, Sendable, Equatable, CaseIterable {
        /// Out of rotation until it recovers; restarted once critical for `for`.
        case restart
        /// Out of rotation until it recovers (the default).
        case isolate
        /// Reported only.
        case ignore
    }

    public var probe: ProbeSpec?
    public var onCritical: OnCritical = .isolate
    /// How long an instance must be critical before `restart` restarts it.
    public var forMilliseconds: Int64 = 30_000

    public init(probe: ProbeSpec? = nil, onCritical: OnCritical = .isolate, forMilliseconds: Int64 = 30_000) {
        self.probe = probe
        self.onCritical = onCritical
        self.forMilliseconds = forMilliseconds
    }

    static let keys: Set<String> = ["probe", "on_critical", "for"]
}

/// A probe the broker runs against a supervised instance, modelled on Kubernetes' probes.
public struct ProbeSpec: Sendable, Equatable {
    public enum Check: Sendable, Equatable {
        /// A command (argv, run in the plugin's working directory and environment); exit 0 passes.
        case exec([String])
        /// A TCP connection to 127.0.0.1 (or `host`) on `port` must be accepted.
        case tcp(host: String, port: Int)
        /// An `http://` URL must answer with a 2xx or 3xx status.
        case http(url: String)
    }

    public var check: Check
    public var intervalMilliseconds: Int64 = 10_000
    public var timeoutMilliseconds: Int64 = 1_000
    /// Failures in a row that make the probe critical.
    public var failureThreshold = 3
    /// Successes in a row that make it passing again.
    public var successThreshold = 1
    /// After the process starts, failures do not count for this long.
    public var startupGraceMilliseconds: Int64 = 0

    public init(
        check: Check, intervalMilliseconds: Int64 = 10_000, timeoutMilliseconds: Int64 = 1_000, failureThreshold: Int = 3,
        successThreshold: Int = 1, startupGraceMilliseconds: Int64 = 0
    ) {
        self.check = check
        self.intervalMilliseconds = intervalMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.failureThreshold = failureThreshold
        self.successThreshold = successThreshold
        self.startupGraceMilliseconds = startupGraceMilliseconds
    }

    static let keys: Set<String> = [
        "exec", "tcp", "http", "interval", "timeout", "failure_threshold", "success_threshold", "startup_grace",
    ]
}

extension PluginSpec {
    /// Parses `health:`; `fail(key, message)` names keys below `plugins.NAME`.
    static func health(_ value: Any, fail: (String, String) -> TopologyError) throws(TopologyError) -> HealthSpec {
        guard let map = value as? [String: Any] else { throw fail("health", "must be a mapping") }
        for key in map.keys.sorted() where !HealthSpec.keys.contains(key) {
            throw fail("health.\(key)", "unknown key (expected one of \(HealthSpec.keys.sorted().joined(separator: ", ")))")
        }
        var spec = HealthSpec()
        if let raw = map["on_critical"] {
            guard let text = raw as? String, let mode = HealthSpec.OnCritical(rawValue: text) else {
                throw fail("health.on_critical", "must be restart, isolate or ignore")
            }
            spec.onCritical = mode
        }
        if let raw = map["for"] { spec.forMilliseconds = try duration(raw, "health.for", positive: false, fail: fail) }
        if let raw = map["probe"] { spec.probe = try probe(raw, fail: fail) }
        return spec
    }

    private static func probe(_ value: Any, fail: (String, String) -> TopologyError) throws(TopologyError) -> ProbeSpec {
        guard let map = value as? [String: Any] else { throw fail("health.probe", "must be a mapping") }
        for key in map.keys.sorted() where !ProbeSpec.keys.contains(key) {
            throw fail("health.probe.\(key)", "unknown key (expected one of \(ProbeSpec.keys.sorted().joined(separator: ", ")))")
        }
        let kinds = ["exec", "tcp", "http"].filter { map[$0] != nil }
        guard kinds.count == 1 else { throw fail("health.probe", "takes exactly one of exec, tcp or http") }
        let check: ProbeSpec.Check
        switch kinds[0] {
        case "exec":
            do {
                check = .exec(try command(map["exec"]!))
            } catch {
                throw fail("health.probe.exec", error.text)
            }
        case "tcp":
            if let port = map["tcp"] as? Int, (1...65535).contains(port) {
                check = .tcp(host: "127.0.0.1", port: port)
            } else if let text = map["tcp"] as? String, let colon = text.lastIndex(of: ":"),
                let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port), colon > text.startIndex
            {
                check = .tcp(host: String(text[..<colon]), port: port)
            } else {
                throw fail("health.probe.tcp", "must be a port from 1 to 65535, or HOST:PORT")
            }
        default:
            guard let url = map["http"] as? String, url.hasPrefix("http://"), url.utf8.count <= 2048 else {
                throw fail("health.probe.http", "must be an http:// URL")
            }
            check = .http(url: url)
        }
        var probe = ProbeSpec(check: check)
        if let raw = map["interval"] {
            probe.intervalMilliseconds = try duration(raw, "health.probe.interval", positive: true, fail: fail)
        }
        if let raw = map["timeout"] {
            probe.timeoutMilliseconds = try duration(raw, "health.probe.timeout", positive: true, fail: fail)
        }
        if let raw = map["startup_grace"] {
            probe.startupGraceMilliseconds = try duration(raw, "health.probe.startup_grace", positive: false, fail: fail)
        }
        probe.failureThreshold =
            try Topology.wholeNumber(map["failure_threshold"], "health.probe.failure_threshold", in: 1...100, fail)
            ?? probe.failureThreshold
        probe.successThreshold =
            try Topology.wholeNumber(map["success_threshold"], "health.probe.success_threshold", in: 1...100, fail)
            ?? probe.successThreshold
        return probe
    }

    static func duration(_ raw: Any, _ path: String, positive: Bool, fail: (String, String) -> TopologyError)
        throws(TopologyError) -> Int64
    {
        let expected = "must be a \(positive ? "positive " : "")duration such as 500ms, 10s or 1m"
        switch DurationValue.milliseconds(from: raw, expected: expected) {
        case .success(let milliseconds) where !positive || milliseconds > 0: return milliseconds
        case .success: throw fail(path, expected)
        case .failure(let problem): throw fail(path, problem.message)
        }
    }
}
