import PlexusProcess
import PlexusTopology

extension BrokerState {
    /// What launching one instance of `spec` takes: its command, environment and directory, its pin
    /// (`sha256:`), and the limits the broker can apply (docs/SECURITY.md).
    func launchRequest(_ spec: PluginSpec, environment: [String: String]) -> LaunchRequest {
        let directory = spec.workingDirectory ?? supervisor.topology.baseDirectory
        var request = LaunchRequest(command: spec.command, environment: environment, workingDirectory: directory)
        if let pin = spec.integrity {
            let program = spec.resolvedProgram()
            // An unresolvable file fails the check at launch, with the path the pin was for.
            let path = spec.pinnedPath(baseDirectory: supervisor.topology.baseDirectory) ?? program ?? spec.command.first ?? ""
            request.integrity = IntegrityRequirement(
                path: path, pin: pin, trustedKeys: supervisor.topology.security.trustedKeys, isProgram: path == program)
        }
        request.rlimits = ResourceLimitPlan.rlimits(spec.limits)
        return request
    }
}
