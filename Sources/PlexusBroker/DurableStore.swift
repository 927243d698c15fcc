import Foundation
import GRDB
import PlexusProtocol

/// The cursors of durable subscriptions (docs/PROTOCOL.md section 10) in `<data>/durable.sqlite`
/// (GRDB), or in memory without a data directory.
///
/// Written on the broker loop's thread, one small transaction per `OPEN`, `ACK` or `DELETE`: the SDKs
/// acknowledge once per batch, so the rate is low, and an acknowledgement answered is one stored.
final class DurableStore: @unchecked Sendable {
    static let fileName = "durable.sqlite"
    /// The most durable subscriptions the broker keeps, so that a client cannot grow the table without bound.
    static let maxSubscriptions = 10_000

    private let database: DatabaseQueue
    /// The rows, mirrored in memory: reads (`LIST`, lag) never touch the disk.
    private(set) var cursors: [String: DurableCursor] = [:]

    init(directory: String?) throws {
        if let directory {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName).path
            var configuration = Configuration()
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            database = try DatabaseQueue(path: path, configuration: configuration)
        } else {
            database = try DatabaseQueue()
        }
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS durable (
                        name TEXT PRIMARY KEY, pattern TEXT NOT NULL, acked INTEGER NOT NULL, updated INTEGER NOT NULL)
                    """)
        }
        let rows = try database.read { db in try Row.fetchAll(db, sql: "SELECT name, pattern, acked, updated FROM durable") }
        for row in rows {
            let name: String = row["name"]
            let acked: Int64 = row["acked"]
            cursors[name] = DurableCursor(
                name: name, pattern: row["pattern"], acked: UInt64(max(0, acked)), updated: row["updated"])
        }
    }

    /// Stores `cursor` (a new one, or a moved `acked`).
    func save(_ cursor: DurableCursor) throws(ProtocolError) {
        let updated = Clock.wallMicroseconds()
        do {
            try database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO durable (name, pattern, acked, updated) VALUES (?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET pattern = excluded.pattern, acked = excluded.acked,
                        updated = excluded.updated
                        """,
                    arguments: [cursor.name, cursor.pattern, Int64(clamping: cursor.acked), updated])
            }
        } catch {
            throw ProtocolError(.unavailable, "cannot store the durable subscription '\(cursor.name)': \(error)")
        }
        var stored = cursor
        stored.created = nil
        stored.epoch = nil
        stored.lag = nil
        stored.updated = updated
        cursors[cursor.name] = stored
    }

    func delete(_ name: String) throws(ProtocolError) {
        do {
            try database.write { db in try db.execute(sql: "DELETE FROM durable WHERE name = ?", arguments: [name]) }
        } catch {
            throw ProtocolError(.unavailable, "cannot delete the durable subscription '\(name)': \(error)")
        }
        cursors[name] = nil
    }
}
