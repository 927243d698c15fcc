import Foundation
import PlexusTasks
import Testing

@testable import PlexusBroker

/// The task database on its own (no broker, no sockets).
@Suite("Task store", .serialized)
struct TaskStoreTests {
    static func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("plexus-store-\(UUID().uuidString.prefix(8))")
    }

    static func stored(_ n: Int, now: Date) throws -> TaskStore.Stored {
        let definition = TaskDefinition(id: String(format: "t%06d", n), schedule: .every(3600), target: .topic("demo.x"))
        return TaskStore.Stored(
            task: try ScheduledTask(restoring: definition, runtime: TaskRuntime(reference: now)), origin: .runtime)
    }

    /// Saves tasks `first..<first+count` one durable write each, as `TASKS ADD` does; returns seconds.
    static func saveOneByOne(_ store: TaskStore, from first: Int, count: Int, now: Date) throws -> Double {
        let rows = try (first..<(first + count)).map { try stored($0, now: now) }
        let clock = ContinuousClock()
        let start = clock.now
        for row in rows {
            #expect(store.save([row], removed: [], seen: now, wait: true) == nil)
            #expect(store.lastWrite.tasks == 1)
        }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test("a write stores only the rows that changed, and costs the same with 20,000 tasks stored as with none")
    func writesStayFlat() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try TaskStore(directory: directory.path)
        let now = Date()
        _ = try Self.saveOneByOne(store, from: 0, count: 100, now: now)
        let early = try Self.saveOneByOne(store, from: 100, count: 1_000, now: now)
        let bulk = try (1_100..<21_100).map { try Self.stored($0, now: now) }
        #expect(store.save(bulk, removed: [], seen: now, wait: true) == nil)
        #expect(store.lastWrite.tasks == 20_000)
        let late = try Self.saveOneByOne(store, from: 21_100, count: 1_000, now: now)
        // Generous: copying the store's bookkeeping per write (the old cost) made this several times slower.
        #expect(late < early * 3, "first 1,000 writes: \(early) s; 1,000 writes at 21,000 tasks: \(late) s")
    }
}

extension TaskStoreTests {
    @Test(
        "a failed write keeps its rows pending and says so in health; a later save stores them",
        .enabled(if: FileSystemFaults.canMakeImmutable))
    func failedWritesAreRetried() throws {
        let directory = Self.directory()
        let log = directory.path + "/tasks.sqlite-wal"
        defer {
            FileSystemFaults.setImmutable(log, false)
            try? FileManager.default.removeItem(at: directory)
        }
        let store = try TaskStore(directory: directory.path)
        let now = Date()
        #expect(store.save([try Self.stored(1, now: now)], removed: [], seen: now, wait: true) == nil)
        #expect(!store.health.isFailing && FileManager.default.fileExists(atPath: log))

        // An immutable write-ahead log: SQLite's writes fail with an I/O error.
        FileSystemFaults.setImmutable(log, true)
        let error = try #require(store.save([try Self.stored(2, now: now)], removed: [], seen: now, wait: true))
        #expect(error.path == directory.path + "/tasks.sqlite" && error.kind == .unwritable)
        #expect(error.description.contains(directory.path + "/tasks.sqlite"))
        store.save([try Self.stored(3, now: now)], removed: ["t000001"], seen: now, wait: false)
        #expect(store.save([], removed: [], seen: now, wait: true) != nil)
        var health = store.health
        #expect(health.isFailing && health.failures == 3 && health.pending == 3 && health.lastError == error)

        FileSystemFaults.setImmutable(log, false)
        #expect(store.save([], removed: [], seen: now, wait: true) == nil)
        health = store.health
        #expect(!health.isFailing && health.pending == 0 && health.failures == 3)
        let ids = try TaskStore(directory: directory.path).load().tasks.map(\.task.id)
        #expect(ids == ["t000002", "t000003"])
    }
}
