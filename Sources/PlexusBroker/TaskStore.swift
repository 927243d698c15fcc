import Foundation
import GRDB
import PlexusTasks

/// Where a task came from: reconciliation on start treats the two differently.
enum TaskOrigin: String, Codable, Sendable {
    /// Declared in topology.yaml: the file is authoritative for its definition.
    case topology
    /// Added with `TASKS ADD`: only a command removes it.
    case runtime
}

/// The scheduler's state in an embedded SQLite database (GRDB): every task's definition and runtime
/// state, its recent runs, and when the broker was last alive (for misfire recovery).
///
/// Two tables. `task` holds one row per task, definition and runtime (without history) as JSON.
/// `run` holds the runs in a task's history, one row each, inserted once when the run ends and deleted
/// when it falls out of the history. A task changes with every run, so its row is rewritten often;
/// keeping the history out of it keeps each rewrite small.
///
/// Reads happen on the broker loop's thread at start. Writes are encoded and committed on a serial
/// writer queue, one transaction per flush, so that a burst of fires never waits for the disk. The
/// writer remembers which runs it has stored (`storedRuns`, touched only on the writer queue).
final class TaskStore: @unchecked Sendable {
    /// One stored task.
    struct Stored: Sendable {
        var task: ScheduledTask
        var origin: TaskOrigin
    }

    /// The database file, or nil for an in-memory store.
    let path: String?
    private let database: DatabaseQueue
    /// Used only on `writer`.
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()
    private let writer = DispatchQueue(label: "plexus.tasks.writer")
    /// Run ids in the `run` table, by task; the writer's own bookkeeping.
    private var storedRuns: [String: Set<String>] = [:]
    /// The next `run.position`: runs are listed in the order they were stored.
    private var nextPosition: Int64 = 0
    /// Rows the last committed write stored (task rows, new run rows), for tests that count work.
    private(set) var lastWrite = (tasks: 0, runs: 0)

    /// Opens (creating if needed) `directory/tasks.sqlite`; nil keeps everything in memory.
    init(directory: String?) throws {
        var configuration = Configuration()
        configuration.label = "plexus.tasks"
        if let directory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = URL(fileURLWithPath: directory).appendingPathComponent("tasks.sqlite").path
            // WAL without fsync per commit: a crash may lose the last moments of counters, never corrupt the file.
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
            self.path = path
        } else {
            database = try DatabaseQueue(configuration: configuration)
            self.path = nil
        }
        encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "task") { table in
                table.primaryKey("id", .text)
                table.column("origin", .text).notNull()
                table.column("definition", .text).notNull()
                table.column("runtime", .text).notNull()
                table.column("updated_at", .double).notNull()
            }
            try db.create(table: "broker_state") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v2: runs in their own table") { db in
            try db.create(table: "run") { table in
                table.column("task_id", .text).notNull()
                table.column("run_id", .text).notNull()
                table.column("position", .integer).notNull()
                table.column("record", .text).notNull()
                table.primaryKey(["task_id", "run_id"])
            }
            try db.create(index: "run_by_position", on: "run", columns: ["task_id", "position"])
        }
        return migrator
    }

    /// Every stored task with its history, and rows that could not be read back (with the reason),
    /// which are kept in the file untouched for a person to look at.
    func load() throws -> (tasks: [Stored], unreadable: [(id: String, reason: String)]) {
        let (tasks, unreadable, runs, position) = try database.read { db in
            var runs: [String: [RunRecord]] = [:]
            var unreadable: [(String, String)] = []
            for row in try Row.fetchAll(db, sql: "SELECT task_id, run_id, record FROM run ORDER BY task_id, position") {
                let taskID: String = row["task_id"]
                do {
                    runs[taskID, default: []].append(
                        try decoder.decode(RunRecord.self, from: Data((row["record"] as String).utf8)))
                } catch {
                    unreadable.append(("\(taskID) run \(row["run_id"] as String)", "\(error)"))
                }
            }
            var tasks: [Stored] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, origin, definition, runtime FROM task ORDER BY id") {
                let id: String = row["id"]
                do {
                    guard let origin = TaskOrigin(rawValue: row["origin"]) else {
                        throw TaskError(.invalidState, "unknown origin")
                    }
                    let definition = try decoder.decode(TaskDefinition.self, from: Data((row["definition"] as String).utf8))
                    var runtime = try decoder.decode(TaskRuntime.self, from: Data((row["runtime"] as String).utf8))
                    // Rows written before the run table carry their history inline.
                    if let history = runs[id] { runtime.history = history }
                    tasks.append(Stored(task: try ScheduledTask(restoring: definition, runtime: runtime), origin: origin))
                } catch {
                    unreadable.append((id, "\(error)"))
                }
            }
            let position = try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM run") ?? -1
            return (tasks, unreadable, runs, position)
        }
        writer.sync {
            storedRuns = runs.mapValues { Set($0.map(\.runID)) }
            nextPosition = position + 1
        }
        return (tasks, unreadable)
    }

    /// When the broker last recorded that it was alive, if ever.
    func lastSeen() throws -> Date? {
        try database.read { db in
            try Double.fetchOne(db, sql: "SELECT CAST(value AS REAL) FROM broker_state WHERE key = 'last_seen'")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Writes changed tasks, deletes removed ones and records `seen`, in one transaction on the
    /// writer queue, after every earlier write. With `wait` it returns once committed (commands answer
    /// only after that); failures go to `failed`.
    func save(
        _ tasks: [Stored], removed: [String], seen: Date, wait: Bool, failed: @escaping @Sendable (any Error) -> Void
    ) {
        let work: @Sendable () -> Void = { [self] in
            do { try write(tasks, removed: removed, seen: seen) } catch { failed(error) }
        }
        if wait { writer.sync(execute: work) } else { writer.async(execute: work) }
    }

    /// On the writer queue. Costs O(rows written): the bookkeeping of stored runs is updated per
    /// task after the commit, never copied whole (a copy per flush made adding tasks quadratic).
    private func write(_ tasks: [Stored], removed: [String], seen: Date) throws {
        var taskRows: [(String, String, String, String)] = []
        var newRuns: [(String, String, Int64, String)] = []
        var goneRuns: [(String, String)] = []
        var runsAfter: [(String, Set<String>)] = []
        var position = nextPosition
        for entry in tasks {
            let id = entry.task.id
            var runtime = entry.task.runtime
            let history = runtime.history
            runtime.history = []
            taskRows.append(
                (
                    id, entry.origin.rawValue,
                    String(decoding: try encoder.encode(entry.task.definition), as: UTF8.self),
                    String(decoding: try encoder.encode(runtime), as: UTF8.self)
                ))
            let known = storedRuns[id] ?? []
            for run in history where !known.contains(run.runID) {
                newRuns.append((id, run.runID, position, String(decoding: try encoder.encode(run), as: UTF8.self)))
                position += 1
            }
            let current = Set(history.map(\.runID))
            goneRuns += known.subtracting(current).map { (id, $0) }
            runsAfter.append((id, current))
        }
        try database.write { db in
            for (id, origin, definition, runtime) in taskRows {
                try db.execute(
                    sql: """
                        INSERT INTO task (id, origin, definition, runtime, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET origin = excluded.origin, definition = excluded.definition,
                            runtime = excluded.runtime, updated_at = excluded.updated_at
                        """,
                    arguments: [id, origin, definition, runtime, seen.timeIntervalSince1970])
            }
            for (task, run, position, record) in newRuns {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO run (task_id, run_id, position, record) VALUES (?, ?, ?, ?)",
                    arguments: [task, run, position, record])
            }
            for (task, run) in goneRuns {
                try db.execute(sql: "DELETE FROM run WHERE task_id = ? AND run_id = ?", arguments: [task, run])
            }
            for id in removed {
                try db.execute(sql: "DELETE FROM task WHERE id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM run WHERE task_id = ?", arguments: [id])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO broker_state (key, value) VALUES ('last_seen', ?)",
                arguments: [String(seen.timeIntervalSince1970)])
        }
        // Only once committed: after a failed write, the next save of a task stores its runs again.
        for (id, runs) in runsAfter { storedRuns[id] = runs }
        for id in removed { storedRuns[id] = nil }
        nextPosition = position
        lastWrite = (tasks: taskRows.count, runs: newRuns.count)
    }
}
