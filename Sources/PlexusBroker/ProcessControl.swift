import PlexusProcess
import PlexusSupervisor
import PlexusTopology

/// How the broker core starts and signals plugin processes.
///
/// A port rather than an effect, because the core needs the answer at once: the new pid goes into the
/// supervisor's state and into the reply to `START`, and a failed launch is a supervisor event of its own.
/// `SystemProcesses` is the real one; unit tests of the core use one that records what it was asked.
protocol ProcessControl: AnyObject, Sendable {
    /// Starts a process; its exit and output come back to the loop as `ProcessEvent`s.
    func launch(_ request: LaunchRequest) throws(ProcessLauncher.LaunchError) -> Int32
    /// Sends `signal` to the process group of `pid`.
    func signal(_ pid: Int32, _ signal: Int32)
    /// Stops watching processes (the broker is going away).
    func stopWatching()
}

/// Real processes: `ProcessLauncher` to start them, one `ProcessWatcher` thread to see their output and
/// exit, reported through `onEvent`.
final class SystemProcesses: ProcessControl, @unchecked Sendable {
    private let onEvent: @Sendable (ProcessEvent) -> Void
    /// Started on first use: a broker without supervised plugins runs no watcher thread. Touched only on
    /// the loop's thread (launch and stop are called from there).
    private var watcher: ProcessWatcher?

    init(onEvent: @escaping @Sendable (ProcessEvent) -> Void) {
        self.onEvent = onEvent
    }

    func launch(_ request: LaunchRequest) throws(ProcessLauncher.LaunchError) -> Int32 {
        let process = try ProcessLauncher.launch(request)
        if watcher == nil { watcher = ProcessWatcher(onEvent: onEvent) }
        watcher?.watch(process)
        return process.pid
    }

    func signal(_ pid: Int32, _ signal: Int32) {
        ProcessLauncher.signal(pid, signal)
    }

    func stopWatching() {
        watcher?.stop()
    }
}
