import CSpawn
import Foundation
import PlexusIntegrity
import PlexusTopology

/// A plugin process the broker started: its pid, a pidfd that becomes readable when it exits, and the
/// read ends of its stdout and stderr pipes.
public struct LaunchedProcess: Sendable {
    public let pid: Int32
    public let pidfd: Int32
    public let stdout: Int32
    public let stderr: Int32
}

/// Starts plugin processes. Call `launch` from the broker loop's thread: `PR_SET_PDEATHSIG` fires when
/// the *thread* that forked exits, so the forking thread must live as long as the broker.
public enum ProcessLauncher {
    /// What went wrong starting a process, with the errno text.
    public struct LaunchError: Error, CustomStringConvertible, Sendable {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    public static func launch(command: [String], environment: [String: String], workingDirectory: String?) throws(LaunchError)
        -> LaunchedProcess
    {
        try launch(LaunchRequest(command: command, environment: environment, workingDirectory: workingDirectory))
    }

    /// Starts `request`: checks its pinned file first (a mismatch throws `integrity: …` and starts
    /// nothing), then forks, applies its rlimits and cgroups in the child, and execs (a pinned
    /// executable from its sealed, verified copy).
    public static func launch(_ request: LaunchRequest) throws(LaunchError) -> LaunchedProcess {
        let command = request.command
        let environment = request.environment
        let workingDirectory = request.workingDirectory
        guard let program = command.first else { throw LaunchError(description: "empty command") }
        var execDescriptor: Int32 = -1
        if let integrity = request.integrity {
            do throws(IntegrityError) {
                if integrity.isProgram {
                    // A native program runs from its verified copy, hashed once per version of the file.
                    execDescriptor = try VerifiedProgramCache.shared.descriptor(for: integrity) ?? -1
                } else {
                    // An interpreter's script is checked at every launch and read again by its interpreter:
                    // the window docs/SECURITY.md describes.
                    close(try VerifiedProgramCache.verifiedCopy(integrity).descriptor)
                }
            } catch {
                throw LaunchError(description: "integrity: \(error.description)")
            }
        }
        defer { if execDescriptor >= 0 { close(execDescriptor) } }
        var cgroupDescriptors: [Int32] = []
        defer { cgroupDescriptors.forEach { close($0) } }
        for path in request.cgroupProcsPaths {
            let descriptor = open(path, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw LaunchError(description: "limits: cannot join cgroup \(path): \(String(cString: strerror(errno)))")
            }
            cgroupDescriptors.append(descriptor)
        }
        var sandbox = SandboxDescriptors(ruleset: -1, abi: 0, network: Int32(PLEXUS_NETWORK_KEEP))
        if let wanted = request.sandbox { sandbox = try SandboxDescriptors.make(wanted) }
        defer { if sandbox.ruleset >= 0 { close(sandbox.ruleset) } }
        let limits = request.rlimits.map { plexus_rlimit(resource: $0.resource, soft: $0.value, hard: $0.value) }
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        guard plexus_pipe(&out, 0) == 0 else { throw LaunchError(description: "pipe: \(String(cString: strerror(errno)))") }
        guard plexus_pipe(&err, 0) == 0 else {
            close(out[0]); close(out[1])
            throw LaunchError(description: "pipe: \(String(cString: strerror(errno)))")
        }
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var error: Int32 = 0
        var step = Int32(PLEXUS_SPAWN_STEP_SETUP)
        let pid = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envBuffer in
                limits.withUnsafeBufferPointer { limitBuffer in
                    cgroupDescriptors.withUnsafeBufferPointer { cgroupBuffer in
                        withUnsafeMutablePointer(to: &step) { stepPointer in
                            var options = plexus_spawn_options(
                                limits: limitBuffer.baseAddress, limit_count: Int32(limits.count),
                                cgroup_procs_fds: cgroupBuffer.baseAddress, cgroup_procs_count: Int32(cgroupDescriptors.count),
                                exec_fd: execDescriptor, network_namespace: sandbox.network,
                                landlock_ruleset_fd: sandbox.ruleset, landlock_abi: sandbox.abi, failed_step: stepPointer)
                            return plexus_spawn_with(
                                program, argvBuffer.baseAddress, envBuffer.baseAddress, workingDirectory, out[1], err[1],
                                &options,
                                &error)
                        }
                    }
                }
            }
        }
        // The child has its own copies of the write ends; ours must close or EOF never comes.
        close(out[1])
        close(err[1])
        guard pid > 0 else {
            close(out[0]); close(err[0])
            throw LaunchError(
                description: Self.failure(program: program, step: step, error: error, sandboxed: request.sandbox != nil))
        }
        let pidfd = plexus_pidfd_open(pid)
        return LaunchedProcess(pid: pid, pidfd: pidfd, stdout: out[0], stderr: err[0])
    }

    /// What a failed spawn says: the step of the child that failed, with its errno text.
    static func failure(program: String, step: Int32, error: Int32, sandboxed: Bool) -> String {
        let text = String(cString: strerror(error))
        switch Int(step) {
        case Int(PLEXUS_SPAWN_STEP_NETWORK): return "sandbox: cannot make a network namespace: \(text)"
        case Int(PLEXUS_SPAWN_STEP_USER_MAP): return "sandbox: cannot map the user namespace's uid and gid: \(text)"
        case Int(PLEXUS_SPAWN_STEP_CAPABILITIES): return "sandbox: cannot drop capabilities: \(text)"
        case Int(PLEXUS_SPAWN_STEP_NO_NEW_PRIVS): return "sandbox: cannot set no_new_privs: \(text)"
        case Int(PLEXUS_SPAWN_STEP_LANDLOCK): return "sandbox: cannot enforce the Landlock ruleset: \(text)"
        case Int(PLEXUS_SPAWN_STEP_EXEC) where sandboxed && error == EACCES:
            return "sandbox: \(program): \(text) (the sandbox does not let it run: add its directory to read_only_paths)"
        default: return error == ENOENT ? "command not found: \(program)" : "\(program): \(text)"
        }
    }

    /// Sends `signal` to the process group of `pid` (plugins run in a group of their own), falling back to
    /// the process if the group is gone.
    public static func signal(_ pid: Int32, _ signal: Int32) {
        if kill(-pid, signal) != 0 { kill(pid, signal) }
    }
}
