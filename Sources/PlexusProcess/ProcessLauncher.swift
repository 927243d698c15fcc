import CSpawn
import Foundation

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
    }

    public static func launch(command: [String], environment: [String: String], workingDirectory: String?) throws(LaunchError)
        -> LaunchedProcess
    {
        guard let program = command.first else { throw LaunchError(description: "empty command") }
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
        let pid = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envBuffer in
                plexus_spawn(program, argvBuffer.baseAddress, envBuffer.baseAddress, workingDirectory, out[1], err[1], &error)
            }
        }
        // The child has its own copies of the write ends; ours must close or EOF never comes.
        close(out[1])
        close(err[1])
        guard pid > 0 else {
            close(out[0]); close(err[0])
            let what = error == ENOENT ? "command not found: \(program)" : "\(program): \(String(cString: strerror(error)))"
            throw LaunchError(description: what)
        }
        let pidfd = plexus_pidfd_open(pid)
        return LaunchedProcess(pid: pid, pidfd: pidfd, stdout: out[0], stderr: err[0])
    }

    /// Sends `signal` to the process group of `pid` (plugins run in a group of their own), falling back to
    /// the process if the group is gone.
    public static func signal(_ pid: Int32, _ signal: Int32) {
        if kill(-pid, signal) != 0 { kill(pid, signal) }
    }
}
