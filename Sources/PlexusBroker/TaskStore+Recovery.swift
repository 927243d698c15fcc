import Foundation
import GRDB
import PlexusTasks

/// `plexus tasks recover`: moves a damaged task database aside and keeps whatever rows SQLite can
/// still read in a fresh one, so that the broker starts again with what could be saved.
///
/// Run it with the broker stopped. It refuses when the database is fine (the broker would open it)
/// and when recovery cannot help (the file or directory cannot be written: that wants permissions
/// or space, not a new file).
public enum TaskDatabaseRecovery {
    /// What `recover` did.
    public enum Outcome: Sendable, Equatable {
        /// Nothing to do: the sentence says why (the database is fine, absent, or not writable).
        case refused(String)
        /// The damaged file was moved aside and a fresh database holds what was readable.
        case recovered(Report)
    }

    /// The result of a recovery.
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        /// The database file, fresh now.
        public var path: String
        /// Where the damaged file went (`tasks.sqlite.damaged-<UTC time>`).
        public var damagedCopy: String
        /// Why it was found damaged.
        public var damage: String
        /// Task rows copied.
        public var tasks: Int
        /// Run rows copied (only those of copied tasks).
        public var runs: Int
        /// Copied task rows that the broker will not be able to use (logged and left alone by it).
        public var undecodable: [String]
        /// What could not be read, per table.
        public var losses: [String]

        public var description: String {
            var lines = [
                "moved the damaged task database \(path) to \(damagedCopy) (\(damage))",
                "kept in a fresh \(path): \(tasks) task\(tasks == 1 ? "" : "s"), \(runs) run\(runs == 1 ? "" : "s") of history",
            ]
            if !undecodable.isEmpty {
                lines.append("copied but not usable by the broker: \(undecodable.joined(separator: ", "))")
            }
            lines += losses.map { "could not read: \($0)" }
            if losses.isEmpty { lines.append("every row SQLite could reach was kept") }
            lines.append("tasks declared in topology.yaml are added again when the broker starts")
            return lines.joined(separator: "\n")
        }
    }

    /// Checks `directory/tasks.sqlite` as the broker does at start; if it is damaged or
    /// unreadable, moves it (and its write-ahead log) aside and copies the readable rows of its
    /// tables into a fresh database in its place.
    /// - Throws: `TaskStoreError` naming the file when the fresh database cannot be made.
    public static func recover(directory: String, now: Date = Date()) throws(TaskStoreError) -> Outcome {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(TaskStore.fileName).path
        guard FileManager.default.fileExists(atPath: path) else {
            return .refused("there is no task database at \(path); nothing to recover")
        }
        let damage: TaskStoreError
        do {
            let store = try TaskStore(directory: directory)
            let contents = try store.load()
            store.close()
            return .refused(
                "the task database \(path) is fine (quick_check ok, \(contents.tasks.count) tasks readable); nothing to recover")
        } catch {
            damage = error
        }
        guard damage.kind != .unwritable else {
            return .refused("recovery cannot help: \(damage). To go on: \(damage.remedy)")
        }

        var report = Report(
            path: path, damagedCopy: freeName(path + ".damaged-" + timestamp(now)), damage: damage.detail, tasks: 0,
            runs: 0, undecodable: [], losses: [])
        let salvaged = salvage(path, losses: &report.losses)

        // The fresh database is written beside the old one and moved into place only once complete.
        let fresh = path + ".recovering"
        removeDatabaseFiles(fresh)
        do {
            let queue = try DatabaseQueue(path: fresh)
            try TaskStore.migrator.migrate(queue)
            try queue.write { db in
                var taskIDs = Set<String>()
                for row in salvaged.tasks {
                    guard let id = text(row, "id") else { continue }
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO task (id, origin, definition, runtime, updated_at)
                            VALUES (?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            id, row["origin"] as DatabaseValue, row["definition"] as DatabaseValue,
                            row["runtime"] as DatabaseValue, row["updated_at"] as DatabaseValue,
                        ])
                    if db.changesCount > 0 {
                        taskIDs.insert(id)
                        if !decodes(row) { report.undecodable.append(id) }
                    }
                }
                report.tasks = taskIDs.count
                for row in salvaged.runs {
                    guard let task = text(row, "task_id"), taskIDs.contains(task) else { continue }
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO run (task_id, run_id, position, record) VALUES (?, ?, ?, ?)",
                        arguments: [
                            task, row["run_id"] as DatabaseValue, row["position"] as DatabaseValue,
                            row["record"] as DatabaseValue,
                        ])
                    report.runs += db.changesCount
                }
                for row in salvaged.state {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO broker_state (key, value) VALUES (?, ?)",
                        arguments: [row["key"] as DatabaseValue, row["value"] as DatabaseValue])
                }
            }
            try queue.close()
        } catch {
            removeDatabaseFiles(fresh)
            throw TaskStoreError(error, path: fresh, writing: true)
        }
        do {
            let files = FileManager.default
            try files.moveItem(atPath: path, toPath: report.damagedCopy)
            for suffix in ["-wal", "-shm"] where files.fileExists(atPath: path + suffix) {
                // The log belongs to the damaged file: left in place, SQLite would apply it to the fresh one.
                try files.moveItem(atPath: path + suffix, toPath: report.damagedCopy + suffix)
            }
            try files.moveItem(atPath: fresh, toPath: path)
        } catch {
            throw TaskStoreError(.unwritable, path: path, detail: "cannot move the files: \(error.localizedDescription)")
        }
        report.undecodable.sort()
        return .recovered(report)
    }

    /// The rows of the three tables that SQLite can still read.
    private static func salvage(_ path: String, losses: inout [String]) -> (tasks: [Row], runs: [Row], state: [Row]) {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path)
        } catch {
            losses.append("the whole file (\(TaskStoreError(error, path: path, writing: false).detail))")
            return ([], [], [])
        }
        defer { try? queue.close() }
        return (
            readRows(queue, table: "task", losses: &losses), readRows(queue, table: "run", losses: &losses),
            readRows(queue, table: "broker_state", losses: &losses)
        )
    }

    /// Reads a table in rowid order. After an error it seeks past the unreadable rows, further
    /// each time (a seek goes down the tree from its root, so it can step over a damaged leaf),
    /// and gives up after `maxSeeks` failed seeks in a row.
    static func readRows(_ queue: DatabaseQueue, table: String, losses: inout [String]) -> [Row] {
        let maxSeeks = 24
        var rows: [Row] = []
        var after: Int64 = .min
        var skip: Int64 = 1
        var failedSeeks = 0
        var firstError: String?
        while failedSeeks < maxSeeks {
            var progressed = false
            do {
                try queue.read { db in
                    let cursor = try Row.fetchCursor(
                        db, sql: "SELECT rowid AS plexus_rowid, * FROM \(table) WHERE rowid > ? ORDER BY rowid",
                        arguments: [after])
                    while let row = try cursor.next() {
                        rows.append(row.copy())
                        after = Int64.fromDatabaseValue(row["plexus_rowid"]) ?? after
                        progressed = true
                    }
                }
                break
            } catch {
                firstError = firstError ?? TaskStoreError(error, path: "", writing: false).detail
                if progressed {
                    failedSeeks = 0
                    skip = 1
                } else {
                    failedSeeks += 1
                }
                let (next, overflow) = after.addingReportingOverflow(skip)
                guard !overflow else { break }
                after = next
                skip = skip < Int64.max / 4 ? skip * 4 : skip
            }
        }
        if let firstError { losses.append("table \(table): \(firstError) (\(rows.count) rows read around the damage)") }
        return rows
    }

    /// A column as text, or nil (NULL, or another type in a damaged row) without trapping.
    static func text(_ row: Row, _ column: String) -> String? {
        String.fromDatabaseValue(row[column] as DatabaseValue)
    }

    /// Whether a copied task row is one the broker can load.
    private static func decodes(_ row: Row) -> Bool {
        guard let definition = text(row, "definition"), let runtime = text(row, "runtime"),
            let origin = text(row, "origin"), TaskOrigin(rawValue: origin) != nil
        else { return false }
        let decoder = JSONDecoder()
        guard let parsed = try? decoder.decode(TaskDefinition.self, from: Data(definition.utf8)),
            let state = try? decoder.decode(TaskRuntime.self, from: Data(runtime.utf8))
        else { return false }
        return (try? ScheduledTask(restoring: parsed, runtime: state)) != nil
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }

    /// `base`, or `base-2`, `base-3`, … if taken.
    private static func freeName(_ base: String) -> String {
        var candidate = base
        var n = 2
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = "\(base)-\(n)"
            n += 1
        }
        return candidate
    }

    private static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

extension TaskStore {
    /// The first page of each table and index (`sqlite_master.rootpage`), by name; lets tests
    /// damage a chosen table.
    static func rootPages(of path: String) throws -> [String: Int] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            var pages: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0") {
                if let name = TaskDatabaseRecovery.text(row, "name") { pages[name] = Int.fromDatabaseValue(row["rootpage"]) }
            }
            return pages
        }
    }
}
