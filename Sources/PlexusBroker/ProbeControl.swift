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
