import Logging
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

    /// The cgroup for one launch of `instance`, with its memory, CPU and task limits; nil when it has
    /// none. Limits this host cannot apply are logged (every launch) and the plugin runs without them:
    /// `plexus check` reports the same ahead of time.
    mutating func placeInCgroup(_ instance: String, _ spec: PluginSpec) throws(ProcessLauncher.LaunchError)
        -> CgroupPlacement?
    {
        guard spec.limits.needsCgroup else { return nil }
        let problems = CgroupPlacement.problems(for: spec.limits)
        guard problems.isEmpty else {
            for problem in problems {
                logger.warning(
                    "limit not applied: \(problem)", metadata: ["plugin": "\(spec.name)", "instance": "\(instance)"])
            }
            return nil
        }
        launchCount += 1
        do throws(CgroupError) {
            return try CgroupPlacement.make(name: "\(instance)-\(launchCount)", limits: spec.limits)
        } catch {
            throw ProcessLauncher.LaunchError(description: "limits: \(error.description)")
        }
    }
}
