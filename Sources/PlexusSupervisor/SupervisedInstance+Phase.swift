import PlexusProtocol

extension SupervisedInstance {
    /// Where an instance is in its life, with what only that phase needs: how far a stop has escalated
    /// and what follows it, or why the supervisor killed a process. One value instead of a state and a
    /// set of flags, so that combinations such as "a stop stage while running" cannot be represented.
    ///
    /// Transitions:
    /// - `pending` → `starting` (spawn) → `running` (`READY`), or `failed` when it cannot be spawned;
    /// - `starting` or `running` → `stopping(stage:then:)` on a requested stop, and on exit → `stopped`,
    ///   `pending` (`.restart`) or removed (`.remove`); an instance without a process settles at once;
    /// - an unasked exit of `starting` or `running` → `backoff` → `pending`, or `failed` or `stopped`, per
    ///   the restart policy;
    /// - `stopped` or `failed` → `pending` on `START` or `APPLY`.
    public enum Phase: Sendable, Equatable {
        /// Wanted, waiting for its dependencies (`reason` says which), or due to start at the next
        /// evaluation.
        case pending
        /// Spawn ordered, or spawned and not yet `READY`. `killed`: the supervisor killed the process,
        /// and its exit is a crash for that reason.
        case starting(killed: KillReason?)
        /// Sent `READY`. `killed` as for `starting`.
        case running(killed: KillReason?)
        /// A requested stop (command, shutdown, upgrade, `APPLY`): its exit is not a crash.
        case stopping(stage: StopStage, then: AfterStop)
        /// Waiting out the restart backoff (until `deadline`).
        case backoff
        /// Not running, and not to be started until asked.
        case stopped
        /// Will not be restarted: the process cannot start, or it crashed past the restart budget.
        case failed

        /// The state reported by `STATUS` and `plexus.plugin.*` events.
        public var state: InstanceState {
            switch self {
            case .pending: .pending
            case .starting: .starting
            case .running: .running
            case .stopping: .stopping
            case .backoff: .backoff
            case .stopped: .stopped
            case .failed: .failed
            }
        }

        /// Why the supervisor killed the process, while it is starting or running.
        public var killReason: KillReason? {
            switch self {
            case .starting(let killed), .running(let killed): killed
            default: nil
            }
        }

        /// What follows the stop under way, if one is.
        public var afterStop: AfterStop? {
            if case .stopping(_, let then) = self { then } else { nil }
        }

        /// Records that the supervisor killed the process (a starting or running one; in other phases
        /// the supervisor has no live process to kill).
        mutating func markKilled(_ reason: KillReason) {
            switch self {
            case .starting: self = .starting(killed: reason)
            case .running: self = .running(killed: reason)
            default: break
            }
        }

        /// The same phase without a kill reason (the process it was about has exited).
        var withoutKill: Phase {
            switch self {
            case .starting: .starting(killed: nil)
            case .running: .running(killed: nil)
            default: self
            }
        }
    }

    /// How far a requested stop has escalated.
    public enum StopStage: Sendable, Equatable {
        /// `STOP` sent over the protocol; waiting up to `stop_timeout`.
        case asked
        /// SIGTERM sent to the process group; waiting up to `stop_timeout` again.
        case terminated
        /// SIGKILL sent.
        case killed
    }

    /// What happens once a requested stop completes.
    public enum AfterStop: Sendable, Equatable {
        /// Stay stopped (`STOP`, shutdown, disabled by `APPLY`).
        case stay
        /// Start again (`RESTART`, changed by `APPLY`).
        case restart
        /// Remove the record (upgrade's old generation, plugin removed by `APPLY`).
        case remove
    }

    /// Why the supervisor killed a process; reported when it exits.
    public enum KillReason: Sendable, Equatable, CustomStringConvertible {
        /// Not `READY` within `start_timeout`.
        case startTimeout
        /// Its session was evicted for missed heartbeats: a hung process cannot be asked to stop.
        case missedHeartbeats
        /// Critical for `health.for` with `on_critical: restart`.
        case unhealthy

        public var description: String {
            switch self {
            case .startTimeout: "not ready within start_timeout; killed"
            case .missedHeartbeats: "missed heartbeats; killed"
            case .unhealthy: "critical for health.for (on_critical: restart); terminated"
            }
        }
    }
}
