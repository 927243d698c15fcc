/// An instance's health (docs/PROTOCOL.md, section 4, "Health"): what the plugin reports, what the
/// broker's probe finds, and the worse of the two, which decides whether the instance gets work.
public enum HealthStatus: String, Codable, Sendable, CaseIterable, Comparable {
    /// Healthy.
    case passing
    /// Degraded, but still given work.
    case warning
    /// Not given new calls or task runs until it recovers (with `on_critical: isolate`, the default).
    case critical

    private var rank: Int {
        switch self {
        case .passing: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.rank < rhs.rank }
}

/// One named check inside a health report (`db: critical "connection refused"`).
public struct HealthCheck: Codable, Sendable, Equatable {
    public var status: HealthStatus
    public var message: String

    public init(status: HealthStatus, message: String = "") {
        self.status = status
        self.message = message
    }

    enum CodingKeys: String, CodingKey { case status, message }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decode(HealthStatus.self, forKey: .status)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
    }
}

/// What a plugin says of itself with `HEALTH`: `{"status": "critical", "message": "...", "checks": {...}}`.
public struct HealthReport: Codable, Sendable, Equatable {
    public var status: HealthStatus
    public var message: String
    public var checks: [String: HealthCheck]

    /// The largest `HEALTH` frame accepted, and the most checks.
    public static let maxFrameBytes = 16 * 1024
    public static let maxChecks = 64

    public init(status: HealthStatus, message: String = "", checks: [String: HealthCheck] = [:]) {
        self.status = status
        self.message = message
        self.checks = checks
    }

    enum CodingKeys: String, CodingKey { case status, message, checks }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decode(HealthStatus.self, forKey: .status)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
        checks = try container.decodeIfPresent([String: HealthCheck].self, forKey: .checks) ?? [:]
    }

    /// The report's own status, or worse when a check is worse: a plugin cannot report `passing` with a
    /// critical check.
    public var effectiveStatus: HealthStatus { checks.values.map(\.status).reduce(status, max) }

    /// Checks what a peer sent: sizes bounded, so that a report cannot bloat the registry.
    public func validate() throws(ProtocolError) {
        guard message.utf8.count <= 1024 else { throw .bad("HEALTH message must be at most 1024 bytes") }
        guard checks.count <= Self.maxChecks else { throw .bad("HEALTH takes at most \(Self.maxChecks) checks") }
        for (name, check) in checks {
            guard !name.isEmpty, name.utf8.count <= 64 else { throw .bad("HEALTH check names must be 1–64 bytes") }
            guard check.message.utf8.count <= 1024 else {
                throw .bad("HEALTH check '\(name)' message must be at most 1024 bytes")
            }
        }
    }
}

/// An instance's health as the broker reports it (`PLUGINS`, `STATUS`, `plexus.plugin.health`).
public struct InstanceHealth: Codable, Sendable, Equatable {
    /// The worse of the plugin's report and the probe's result; `passing` when neither says anything.
    public var status: HealthStatus
    /// Why, from whichever of the two decided.
    public var message: String
    /// The plugin's named checks.
    public var checks: [String: HealthCheck]
    /// The plugin's own report (nil until it sends one).
    public var reported: HealthStatus?
    /// The broker's probe (nil without one, or before its first result).
    public var probe: HealthCheck?
    /// Since when `status` holds (µs since the epoch).
    public var since: Int64
    /// Whether the instance is out of rotation (critical with `on_critical: isolate` or `restart`).
    public var isolated: Bool

    public init(
        status: HealthStatus = .passing, message: String = "", checks: [String: HealthCheck] = [:],
        reported: HealthStatus? = nil, probe: HealthCheck? = nil, since: Int64 = 0, isolated: Bool = false
    ) {
        self.status = status
        self.message = message
        self.checks = checks
        self.reported = reported
        self.probe = probe
        self.since = since
        self.isolated = isolated
    }
}
