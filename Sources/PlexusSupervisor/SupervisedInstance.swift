import PlexusProtocol

/// One supervised instance of a plugin: a slot (1…instances) in a generation (0, then +1 per upgrade).
public struct SupervisedInstance: Sendable, Equatable {
    public let plugin: String
    public let slot: Int
    public let generation: Int
    /// Where it is in its life; `state` is what is reported of it.
    public var phase: Phase = .pending
    /// Set from `spawned` until the process exits: only while `starting`, `running` or `stopping`.
    public var pid: Int32?
    public var restarts = 0
    public var lastExit = ""
    public var reason: String?
    /// Monotonic ms.
    public var spawnedAt: Int64?
    public var runningSince: Int64?
    /// When the current timer (start timeout, stop escalation, backoff) fires.
    public var deadline: Int64?
    /// The instance this one replaces once running (upgrade).
    public var replaces: String?
    /// Failures within the restart period (monotonic ms), for the intensity limit.
    public var failureTimes: [Int64] = []
    /// Consecutive failures since it last ran for a while: the backoff exponent.
    public var consecutiveFailures = 0
    /// What the process registered, once it has.
    public var registeredVersion: String?
    public var hasSession = false

    public init(plugin: String, slot: Int, generation: Int) {
        self.plugin = plugin
        self.slot = slot
        self.generation = generation
    }

    /// The reported state (`STATUS`, `plexus.plugin.*`).
    public var state: InstanceState { phase.state }

    /// The id the process must register with (`PLEXUS_INSTANCE`).
    public var instanceID: String {
        generation == 0 ? "\(plugin)-\(slot)" : "\(plugin)-\(slot)-g\(generation)"
    }

    /// Whether a process of this instance may be alive.
    public var hasProcess: Bool { pid != nil }

    /// Whether a requested stop is under way: the process's exit will not be a crash.
    public var isStopping: Bool { phase.afterStop != nil }
}

/// Describes a wait status the way `STATUS` reports it.
public enum ExitDescription {
    public static func describe(_ status: Int32) -> (text: String, success: Bool) {
        let signal = status & 0x7f
        if signal == 0 {
            let code = (status >> 8) & 0xff
            return ("exit \(code)", code == 0)
        }
        return ("signal \(signal)", false)
    }
}
