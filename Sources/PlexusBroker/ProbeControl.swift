import PlexusProbes
import PlexusProtocol
import PlexusTopology

/// The core's port to the probes of supervised instances (docs/PROTOCOL.md section 4, "Health"): it
/// starts an instance's probe when its process starts and stops it when the process exits. Verdicts
/// come back as `LoopInput.probe`. A port like `ProcessControl`, so that the core stays testable
/// without running commands or opening sockets.
protocol ProbeControl: Sendable {
    func schedule(instance: String, probe: ProbeSpec, workingDirectory: String?, environment: [String: String])
    func cancel(instance: String)
    func stop()
}

/// Runs no probes: for cores under test, and brokers without probes.
struct NoProbes: ProbeControl {
    func schedule(instance: String, probe: ProbeSpec, workingDirectory: String?, environment: [String: String]) {}
    func cancel(instance: String) {}
    func stop() {}
}

/// The probes of a running broker: `PlexusProbes`' scheduler thread, whose verdicts `deliver` hands to
/// the loop (`LoopInput.probe`).
final class ScheduledProbes: ProbeControl, @unchecked Sendable {
    private let scheduler: ProbeScheduler

    init(deliver: @escaping @Sendable (String, HealthCheck) -> Void) {
        scheduler = ProbeScheduler(onChange: deliver)
    }

    func schedule(instance: String, probe: ProbeSpec, workingDirectory: String?, environment: [String: String]) {
        scheduler.schedule(instance: instance, probe: probe, workingDirectory: workingDirectory, environment: environment)
    }

    func cancel(instance: String) { scheduler.cancel(instance: instance) }
    func stop() { scheduler.stop() }
}
