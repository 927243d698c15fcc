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

/// The scheduler's state in an embedded SQLite database (GRDB): every task's definition, runtime
/// state, counters and recent run history, and when the broker was last alive (for misfire recovery).
///
/// Tasks are stored one row each, definition and runtime as JSON: they are read whole on start and
/// written whole when they change, and `PlexusTasks` already gives them a stable Codable form.
/// Reads happen on the broker loop's thread at start; writes are encoded and committed on a serial
/// writer queue, one transaction per flush, so that a burst of fires never waits for the disk.
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
        return migrator
    }

    /// Every stored task, and rows that could not be read back (with the reason), which are kept in
    /// the file untouched for a person to look at.
    func load() throws -> (tasks: [Stored], unreadable: [(id: String, reason: String)]) {
        try database.read { db in
            var tasks: [Stored] = []
            var unreadable: [(String, String)] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, origin, definition, runtime FROM task ORDER BY id") {
                let id: String = row["id"]
                let definition: String = row["definition"]
                let runtime: String = row["runtime"]
                do {
                    guard let origin = TaskOrigin(rawValue: row["origin"]) else {
                        throw TaskError(.invalidState, "unknown origin")
                    }
                    let json = #"{"definition":\#(definition),"runtime":\#(runtime)}"#
                    let task = try decoder.decode(ScheduledTask.self, from: Data(json.utf8))
                    tasks.append(Stored(task: task, origin: origin))
                } catch {
                    unreadable.append((id, "\(error)"))
                }
            }
            return (tasks, unreadable)
        }
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

    private func write(_ tasks: [Stored], removed: [String], seen: Date) throws {
        let rows = try tasks.map { stored in
            (
                stored.task.id, stored.origin.rawValue,
                String(decoding: try encoder.encode(stored.task.definition), as: UTF8.self),
                String(decoding: try encoder.encode(stored.task.runtime), as: UTF8.self)
            )
        }
        try database.write { db in
            for (id, origin, definition, runtime) in rows {
                try db.execute(
                    sql: """
                        INSERT INTO task (id, origin, definition, runtime, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET origin = excluded.origin, definition = excluded.definition,
                            runtime = excluded.runtime, updated_at = excluded.updated_at
                        """,
                    arguments: [id, origin, definition, runtime, seen.timeIntervalSince1970])
            }
            for id in removed {
                try db.execute(sql: "DELETE FROM task WHERE id = ?", arguments: [id])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO broker_state (key, value) VALUES ('last_seen', ?)",
                arguments: [String(seen.timeIntervalSince1970)])
        }
    }
}
