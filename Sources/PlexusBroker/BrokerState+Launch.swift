import Foundation
import Logging
import PlexusProcess
import PlexusProtocol
import PlexusTopology

extension BrokerState {
    /// What launching one instance of `spec` takes: its command, environment and directory, its pin
    /// (`sha256:`), the limits the broker can apply and its sandbox (docs/SECURITY.md). Throws
    /// `sandbox: …` when the sandbox cannot be enforced here: the plugin does not start unconfined.
    func launchRequest(_ spec: PluginSpec, environment: [String: String]) throws(ProcessLauncher.LaunchError)
        -> LaunchRequest
    {
        let directory = spec.workingDirectory ?? supervisor.topology.baseDirectory
        var request = LaunchRequest(command: spec.command, environment: environment, workingDirectory: directory)
        if let sandbox = spec.sandbox {
            request.sandbox = try sandboxRequest(spec, sandbox, directory: directory)
            // Its own network namespace has no route to the host's 127.0.0.1: it dials the ipc:// endpoint.
            if !sandbox.network { request.environment[PlexusConstants.brokerEnvironmentVariable] = ipcEndpoints?.control }
        }
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

    /// The sandbox of one launch of `spec`, or why the broker cannot enforce it (logged per plugin by the
    /// caller as `cannot start: sandbox: …`; `plexus check` reports the same ahead of time).
    private func sandboxRequest(_ spec: PluginSpec, _ sandbox: SandboxSpec, directory: String) throws(ProcessLauncher.LaunchError)
        -> SandboxRequest
    {
        if let problem = SandboxPlan.problems(for: sandbox).first {
            throw ProcessLauncher.LaunchError(description: problem)
        }
        guard sandbox.network || ipcEndpoints != nil else {
            throw ProcessLauncher.LaunchError(
                description:
                    "sandbox.network: false needs the broker's ipc:// endpoints, which it could not bind (see its start log)")
        }
        let program = spec.resolvedProgram()
        let pinned = spec.pinnedPath(baseDirectory: supervisor.topology.baseDirectory)
        let ipcDirectory = ipcEndpoints.map {
            URL(fileURLWithPath: String($0.control.dropFirst("ipc://".count))).deletingLastPathComponent().path
        }
        return SandboxPlan.request(
            sandbox, program: program, script: pinned == program ? nil : pinned, workingDirectory: directory,
            ipcDirectory: ipcDirectory)
    }

    /// The sandboxes of `topology` this broker could not enforce (`sandbox…` problems, as `plexus check`
    /// finds them, and `network: false` without the ipc:// endpoints): `APPLY` refuses such a topology
    /// before it stops anything.
    func sandboxProblems(_ topology: Topology) -> [(plugin: String, problem: String)] {
        topology.plugins.filter { $0.enabled && $0.isLaunched }.flatMap { spec -> [(plugin: String, problem: String)] in
            guard let sandbox = spec.sandbox else { return [] }
            var problems = SandboxPlan.problems(for: sandbox)
            if !sandbox.network, ipcEndpoints == nil {
                problems.append("sandbox.network: false needs the broker's ipc:// endpoints, which it could not bind")
            }
            return problems.map { (spec.name, $0) }
        }
    }

    /// The event endpoints a session of `instance` gets in `WELCOME`: the ipc:// ones for an instance
    /// sandboxed without network, which cannot reach the TCP ones.
    func eventEndpoints(forInstance instance: String) -> BoundEndpoints {
        guard let plugin = supervisor.instances[instance]?.plugin,
            supervisor.topology.plugin(plugin)?.sandbox?.network == false, let ipcEndpoints
        else { return endpoints }
        return ipcEndpoints
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
