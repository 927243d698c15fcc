import Foundation
import PlexusTasks

/// The broker's scheduled tasks: the scheduler's state machine, where each task came from, and what
/// still has to reach the database.
///
/// Persistence is write-behind: changes mark tasks dirty and the loop flushes them in one
/// transaction at most every `flushIntervalMilliseconds` (commands flush at once, before they
/// answer), so a burst of a thousand fires costs one commit, not a thousand.
struct BrokerTasks {
    /// How long changes may wait for the database.
    static let flushIntervalMilliseconds: Int64 = 500
    /// How long after start the scheduler waits for the mesh before it fires anyway.
    static let startupGraceMilliseconds: Int64 = 10_000

    var scheduler = TaskScheduler()
    var origins: [String: TaskOrigin] = [:]
    let store: TaskStore
    /// What the database held at start, until `restoreTasks` takes it.
    var restored: TaskStore.Contents?
    /// When the broker was last alive before this start, for misfire recovery.
    var lastSeen: Date?
    /// Tasks whose origin changed since the last flush (the scheduler tracks its own changes).
    var dirty: Set<String> = []
    /// Monotonic ms of the last flush.
    var lastFlush: Int64 = 0
    /// Whether the scheduler fires: it waits for the mesh to be ready, so that the first fires
    /// after a start (and the misfire catch-up) find the plugins registered.
    var started = false
    /// Monotonic ms at which the scheduler starts even without a ready mesh.
    var startDeadline: Int64 = 0
    /// Monotonic ms of the next `tick`, recomputed only when the scheduler changed (it is a scan).
    var wakeup: Int64?
    /// The scheduler's `revision` that `wakeup` was computed for.
    var wakeupRevision: UInt64?
    /// First attempts' scheduled-to-dispatched delay, for `STATS`.
    var jitter = LatencyStats()
    /// The ids in list order, and the scheduler's `membershipRevision` they were sorted for: paging
    /// through a large list sorts once, not once per page.
    private var listOrder: (revision: UInt64, ids: [String])?

    /// Reads the stored tasks, so that a database that cannot be read stops the broker at start.
    init(store: TaskStore) throws(TaskStoreError) {
        self.store = store
        let contents = try store.load()
        restored = contents
        lastSeen = contents.lastSeen
    }

    /// Marks a task's row for writing (its origin changed).
    mutating func touch(_ id: String) {
        dirty.insert(id)
    }

    /// Whether anything waits to be written.
    var hasChanges: Bool { !dirty.isEmpty || !scheduler.changed.isEmpty }

    /// Every task id in list order (sorted), cached while no task was added or removed.
    mutating func sortedIDs() -> [String] {
        if let listOrder, listOrder.revision == scheduler.membershipRevision { return listOrder.ids }
        let ids = scheduler.sortedIDs()
        listOrder = (scheduler.membershipRevision, ids)
        return ids
    }

    /// The monotonic time of the next tick, recomputed if stale.
    mutating func nextWakeup(monotonicNow: Int64) -> Int64? {
        if wakeupRevision != scheduler.revision {
            wakeupRevision = scheduler.revision
            wakeup = scheduler.nextWakeup.map { date in
                monotonicNow + max(0, Self.milliseconds(date.timeIntervalSinceNow))
            }
        }
        return started ? wakeup : startDeadline
    }

    /// Whole milliseconds (rounded up) from seconds, range-checked before the conversion so that it
    /// cannot trap: NaN is 0 and anything beyond ±10^15 ms (about 31,000 years) is clamped to it.
    static func milliseconds(_ seconds: TimeInterval) -> Int64 {
        let limit = 1e15
        let value = (seconds * 1000).rounded(.up)
        guard !value.isNaN else { return 0 }
        return Int64(min(max(value, -limit), limit))
    }
}
