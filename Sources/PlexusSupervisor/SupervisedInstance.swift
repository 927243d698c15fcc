import PlexusProtocol

/// One supervised instance of a plugin: a slot (1…instances) in a generation (0, then +1 per upgrade).
public struct SupervisedInstance: Sendable, Equatable {
    /// How far a requested stop has escalated.
    public enum StopStage: Sendable, Equatable {
        /// `STOP` sent over the protocol; waiting up to `stop_timeout`.
        case asked
        /// SIGTERM sent to the process group; waiting up to `stop_timeout` again.
        case terminated
        /// SIGKILL sent.
        case killed
    }

    public let plugin: String
    public let slot: Int
    public let generation: Int
    public var state: InstanceState = .pending
    public var pid: Int32?
    public var restarts = 0
    public var lastExit = ""
    public var reason: String?
    /// Monotonic ms.
    public var spawnedAt: Int64?
    public var runningSince: Int64?
    /// When the current timer (start timeout, stop escalation, backoff) fires.
    public var deadline: Int64?
    public var stopStage: StopStage?
    /// A stop was requested (command, shutdown, upgrade): its exit is not a crash.
    public var stopRequested = false
    /// Start again as soon as the requested stop completes (`RESTART`).
    public var restartAfterStop = false
    /// Remove the record once stopped (upgrade's old generation, plugin removed by `APPLY`).
    public var removeWhenStopped = false
    /// The instance this one replaces once running (upgrade).
    public var replaces: String?
    /// Why the process was killed, reported when it exits (missed heartbeats, start timeout).
    public var killReason: String?
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

    /// The id the process must register with (`PLEXUS_INSTANCE`).
    public var instanceID: String {
        generation == 0 ? "\(plugin)-\(slot)" : "\(plugin)-\(slot)-g\(generation)"
    }

    /// Whether a process of this instance may be alive.
    public var hasProcess: Bool { pid != nil }
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
