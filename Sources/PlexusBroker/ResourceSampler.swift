import CSpawn
import Dispatch
import Foundation
import PlexusProcess
import PlexusProtocol
import Synchronization

/// Reads the resource use of the supervised processes from `/proc` on a thread of its own, every
/// `intervalMilliseconds`, and reports the samples (to the loop, as `LoopInput.resources`): the loop
/// never waits on `/proc`. The loop tells it which pids to watch on every heartbeat tick.
final class ResourceSampler: Sendable {
    /// How often the processes are sampled.
    static let defaultIntervalMilliseconds = 2_000

    private let watched = Mutex<(pids: Set<Int32>, stopping: Bool)>(([], false))
    /// Signalled to end a wait early (a new pid to read at once, or `stop`).
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let intervalMilliseconds: Int
    private let report: @Sendable ([Int32: ResourceUsage]) -> Void

    /// Starts the thread; `report` is called on it with each round of samples (only when pids are watched).
    init(
        intervalMilliseconds: Int = ResourceSampler.defaultIntervalMilliseconds,
        report: @escaping @Sendable ([Int32: ResourceUsage]) -> Void
    ) {
        self.intervalMilliseconds = max(10, intervalMilliseconds)
        self.report = report
        let thread = Thread { [self] in
            plexus_set_thread_name("plexus-resources")
            run()
        }
        thread.name = "plexus-resources"
        thread.start()
    }

    /// The pids to sample from now on; a pid not watched before is read at once.
    func watch(_ pids: Set<Int32>) {
        let added = watched.withLock { state in
            defer { state.pids = pids }
            return !pids.isSubset(of: state.pids)
        }
        if added { wake.signal() }
    }

    /// Ends the thread and waits for it (one round of reads at most). Idempotent.
    func stop() {
        let first = watched.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        wake.signal()
        _ = finished.wait(timeout: .now() + .seconds(2))
    }

    private func run() {
        // Bounded only by `stop`: one round per interval (or per wake-up).
        while true {
            let (pids, stopping) = watched.withLock { ($0.pids, $0.stopping) }
            if stopping { break }
            if !pids.isEmpty {
                let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
                var samples: [Int32: ResourceUsage] = [:]
                for pid in pids {
                    if let usage = ProcessResources.read(pid: pid, now: now) { samples[pid] = usage }
                }
                report(samples)
            }
            _ = wake.wait(timeout: .now() + .milliseconds(intervalMilliseconds))
        }
        finished.signal()
    }
}
