import Foundation
import GRDB
import Logging
import PlexusTasks
import Synchronization

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
/// Opening checks the file (`PRAGMA quick_check`) and writes to it once, so that a damaged or
/// read-only database stops the broker at start rather than at the first write; every error is a
/// `TaskStoreError` naming the file.
///
/// Reads happen on the broker loop's thread at start. Writes are encoded and committed on a serial
/// writer queue, one transaction per flush, so that a burst of fires never waits for the disk. A
/// write that fails is not lost: its rows stay pending, merged with later changes (the newest
/// state of a task wins), and every later save tries them again. `health` says whether the last
/// write failed, for the broker to refuse task commands meanwhile. The writer remembers which runs
/// it has stored (`storedRuns`) and what is pending, both touched only on the writer queue.
final class TaskStore: @unchecked Sendable {
    /// One stored task.
    struct Stored: Sendable {
        var task: ScheduledTask
        var origin: TaskOrigin
    }

    /// What `load` found.
    struct Contents: Sendable {
        var tasks: [Stored] = []
        /// Rows that could not be read back, with the reason; kept in the file untouched.
        var unreadable: [(id: String, reason: String)] = []
        /// When the broker last recorded that it was alive, if ever.
        var lastSeen: Date?
    }

    /// Whether writes work, for `STATS` and for refusing task commands while they do not.
    struct Health: Sendable, Equatable {
        /// The first failure of the current run of failures; nil while writes work.
        var failingSince: Date?
        /// The latest failure.
        var lastError: TaskStoreError?
        /// Failed writes since the store was opened.
        var failures: UInt64 = 0
        /// Task rows (changes and deletions) waiting to be stored.
        var pending = 0

        var isFailing: Bool { failingSince != nil }
    }

    /// A change waiting to be written.
    private enum Pending {
        case upsert(Stored)
        case delete
    }

    /// The file name in the data directory.
    static let fileName = "tasks.sqlite"
    /// How often a run of write failures is logged again.
    static let failureLogIntervalSeconds: TimeInterval = 30

    /// The database file, or nil for an in-memory store.
    let path: String?
    /// `path`, or `memory`, for messages.
    var name: String { path ?? "memory" }
    private let database: DatabaseQueue
    private let logger: Logger
    /// Used only on `writer`.
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()
    private let writer = DispatchQueue(label: "plexus.tasks.writer")
    /// Run ids in the `run` table, by task; the writer's own bookkeeping.
    private var storedRuns: [String: Set<String>] = [:]
    /// The next `run.position`: runs are listed in the order they were stored.
    private var nextPosition: Int64 = 0
    /// Changes not yet committed (a write failed), by task id; the writer's.
    private var pending: [String: Pending] = [:]
    /// When a run of failures was last logged; the writer's.
    private var lastFailureLog: Date?
    private let healthState = Mutex(Health())
    /// Rows the last committed write stored (task rows, new run rows), for tests that count work.
    private(set) var lastWrite = (tasks: 0, runs: 0)

    /// Opens (creating if needed) `directory/tasks.sqlite`, checks it and makes sure it can be
    /// written; nil keeps everything in memory.
    /// - Throws: `TaskStoreError` naming the file: `damaged` when SQLite finds it corrupt,
    ///   `unwritable` when it (or its directory) cannot be written.
    init(directory: String?, logger: Logger = Logger(label: "plexus.tasks")) throws(TaskStoreError) {
        self.logger = logger
        encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var configuration = Configuration()
        configuration.label = "plexus.tasks"
        guard let directory else {
            path = nil
            do {
                database = try DatabaseQueue(configuration: configuration)
                try Self.migrator.migrate(database)
            } catch {
                throw TaskStoreError(error, path: "memory", writing: true)
            }
            return
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName).path
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TaskStoreError(
                .unwritable, path: path, detail: "cannot create the directory \(directory): \(error.localizedDescription)")
        }
        // WAL without fsync per commit: a crash may lose the last moments of counters, never corrupt the file.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw TaskStoreError(error, path: path, writing: false)
        }
        try Self.check(database, path: path)
        do {
            try database.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
            try Self.migrator.migrate(database)
            // A real write, so that a read-only file or a full disk is found now, not at the first command.
            try database.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO broker_state (key, value) VALUES ('opened_at', ?)",
                    arguments: [String(Date().timeIntervalSince1970)])
            }
        } catch {
            throw TaskStoreError(error, path: path, writing: true)
        }
    }

    /// `PRAGMA quick_check`: every page and record well-formed (it skips only the slower index checks).
    static func check(_ database: DatabaseQueue, path: String) throws(TaskStoreError) {
        let problems: [String]
        do {
            problems = try database.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        } catch {
            throw TaskStoreError(error, path: path, writing: false)
        }
        guard problems == ["ok"] else {
            let shown = problems.prefix(3).joined(separator: "; ")
            throw TaskStoreError(.damaged, path: path, detail: "quick_check: \(shown)\(problems.count > 3 ? "; …" : "")")
        }
    }

    /// Whether writes work now (as of the last one).
    var health: Health { healthState.withLock { $0 } }

    static var migrator: DatabaseMigrator {
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

    /// Every stored task with its history, rows that could not be read back (with the reason),
    /// which are kept in the file untouched for a person to look at, and the last-seen time.
    /// - Throws: `TaskStoreError` naming the file when SQLite cannot read it.
    func load() throws(TaskStoreError) -> Contents {
        let (contents, runs, position): (Contents, [String: [RunRecord]], Int64)
        do {
            (contents, runs, position) = try database.read { db in
                var contents = Contents()
                var runs: [String: [RunRecord]] = [:]
                // Columns are read as optional text: a row edited by hand must not trap the broker.
                func text(_ row: Row, _ column: String) -> String? { String.fromDatabaseValue(row[column] as DatabaseValue) }
                for row in try Row.fetchAll(db, sql: "SELECT task_id, run_id, record FROM run ORDER BY task_id, position") {
                    let taskID = text(row, "task_id") ?? "?"
                    do {
                        guard let record = text(row, "record") else { throw TaskError(.invalidState, "record is not text") }
                        runs[taskID, default: []].append(try decoder.decode(RunRecord.self, from: Data(record.utf8)))
                    } catch {
                        contents.unreadable.append(("\(taskID) run \(text(row, "run_id") ?? "?")", "\(error)"))
                    }
                }
                for row in try Row.fetchAll(db, sql: "SELECT id, origin, definition, runtime FROM task ORDER BY id") {
                    let id = text(row, "id") ?? "?"
                    do {
                        guard let origin = text(row, "origin").flatMap(TaskOrigin.init(rawValue:)) else {
                            throw TaskError(.invalidState, "unknown origin")
                        }
                        guard let definitionText = text(row, "definition"), let runtimeText = text(row, "runtime") else {
                            throw TaskError(.invalidState, "definition or runtime is not text")
                        }
                        let definition = try decoder.decode(TaskDefinition.self, from: Data(definitionText.utf8))
                        var runtime = try decoder.decode(TaskRuntime.self, from: Data(runtimeText.utf8))
                        // Rows written before the run table carry their history inline.
                        if let history = runs[id] { runtime.history = history }
                        contents.tasks.append(
                            Stored(task: try ScheduledTask(restoring: definition, runtime: runtime), origin: origin))
                    } catch {
                        contents.unreadable.append((id, "\(error)"))
                    }
                }
                contents.lastSeen = try Double.fetchOne(
                    db, sql: "SELECT CAST(value AS REAL) FROM broker_state WHERE key = 'last_seen'"
                ).flatMap { $0.isFinite ? Date(timeIntervalSince1970: $0) : nil }
                let position = try Int64.fetchOne(db, sql: "SELECT CAST(MAX(position) AS INTEGER) FROM run") ?? -1
                return (contents, runs, position)
            }
        } catch {
            throw TaskStoreError(error, path: name, writing: false)
        }
        writer.sync {
            storedRuns = runs.mapValues { Set($0.map(\.runID)) }
            nextPosition = min(position, .max - 1) + 1
        }
        return contents
    }

    /// Writes changed tasks, deletes removed ones and records `seen`, in one transaction on the
    /// writer queue, after every earlier write, together with whatever earlier failed writes left
    /// pending. With `wait` it returns once committed (commands answer only after that) and
    /// returns the error if it failed; without, failures show in `health`. Nothing is dropped on
    /// failure: the rows stay pending for the next save.
    @discardableResult
    func save(_ tasks: [Stored], removed: [String], seen: Date, wait: Bool) -> TaskStoreError? {
        if wait { return writer.sync { persist(tasks, removed: removed, seen: seen) } }
        writer.async { [self] in _ = persist(tasks, removed: removed, seen: seen) }
        return nil
    }

    /// Checkpoints the write-ahead log into the file (what SQLite does when the last connection
    /// closes), so that the file on disk is complete once the broker has stopped.
    func close() {
        guard path != nil else { return }
        writer.sync {
            do {
                _ = try database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            } catch {
                logger.warning(
                    "cannot checkpoint the task database", metadata: ["database": "\(name)", "error": "\(error)"])
            }
        }
    }

    /// On the writer queue: merges the changes into what is pending and tries to write all of it.
    private func persist(_ tasks: [Stored], removed: [String], seen: Date) -> TaskStoreError? {
        for entry in tasks { pending[entry.task.id] = .upsert(entry) }
        for id in removed { pending[id] = .delete }
        var upserts: [Stored] = []
        var deletes: [String] = []
        upserts.reserveCapacity(pending.count)
        for (id, change) in pending {
            switch change {
            case .upsert(let entry): upserts.append(entry)
            case .delete: deletes.append(id)
            }
        }
        do {
            try write(upserts, removed: deletes, seen: seen)
        } catch {
            let failure = TaskStoreError(error, path: name, writing: true)
            recordFailure(failure)
            return failure
        }
        let stored = pending.count
        pending = [:]
        let recovered = healthState.withLock { health -> Health? in
            defer {
                health.failingSince = nil
                health.pending = 0
            }
            return health.isFailing ? health : nil
        }
        if let recovered {
            lastFailureLog = nil
            logger.notice(
                "task database works again; pending task changes stored",
                metadata: [
                    "database": "\(name)", "failures": "\(recovered.failures)", "stored": "\(stored)",
                    "failing_since": "\(recovered.failingSince.map { "\($0)" } ?? "-")",
                ])
        }
        return nil
    }

    /// On the writer queue: counts the failure and logs it, the first of a run at once, then every
    /// `failureLogIntervalSeconds`.
    private func recordFailure(_ failure: TaskStoreError) {
        let now = Date()
        let health = healthState.withLock { health in
            if health.failingSince == nil { health.failingSince = now }
            health.lastError = failure
            health.failures &+= 1
            health.pending = pending.count
            return health
        }
        guard lastFailureLog.map({ now.timeIntervalSince($0) >= Self.failureLogIntervalSeconds }) ?? true else { return }
        lastFailureLog = now
        logger.error(
            "cannot save task state; task commands answer 503 until the database works again, pending changes are retried",
            metadata: [
                "database": "\(name)", "error": "\(failure.detail)", "failures": "\(health.failures)",
                "pending": "\(health.pending)",
            ])
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
                position &+= 1
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
