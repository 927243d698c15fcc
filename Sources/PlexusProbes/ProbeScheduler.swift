import PlexusProtocol
import PlexusTopology

/// Runs the probes of many instances on one thread of its own and reports verdict changes.
public final class ProbeScheduler: @unchecked Sendable {
    private let onChange: @Sendable (_ instance: String, _ check: HealthCheck) -> Void

    /// `onChange(instance, check)` is called on the scheduler's thread when a verdict changes.
    public init(onChange: @escaping @Sendable (_ instance: String, _ check: HealthCheck) -> Void) {
        self.onChange = onChange
    }

    /// Starts (or replaces) the probe of `instance`.
    public func schedule(instance: String, probe: ProbeSpec, workingDirectory: String?, environment: [String: String]) {}

    /// Stops probing `instance` (its process exited).
    public func cancel(instance: String) {}

    /// Stops the thread; waits for it (bounded). Idempotent.
    public func stop() {}
}
