import Foundation
import Logging
import PlexusProtocol

/// The audit log: `audit.jsonl` in the data directory, one JSON record per line, only ever appended.
///
/// Administrative records (lifecycle, apply, tasks, shutdown) are fsynced before the loop goes on, so a
/// command that was answered is on disk; the broker's own records (an OOM kill) are written without. A
/// broker without a data directory keeps the last records in memory and says so at start. A write that
/// fails is counted (`failures`) and logged at error level, never fatal: the command it records stands.
final class AuditLog {
    private let path: String?
    private var descriptor: Int32 = -1
    /// Without a file: the newest records, at most `memoryLimit`.
    private var memory: [AuditRecord] = []
    private let memoryLimit = 10_000
    private let logger: Logger
    /// Records that could not be written.
    private(set) var failures = 0
    /// How much of the file's end `AUDIT` reads at most: it answers from the newest records.
    static let readLimitBytes = 8 << 20

    init(directory: String?, logger: Logger) {
        self.logger = logger
        guard let directory else {
            path = nil
            logger.notice("audit log kept in memory only (no data directory): the last 10,000 records")
            return
        }
        let path = directory + "/audit.jsonl"
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            logger.error(
                "cannot open the audit log", metadata: ["path": "\(path)", "error": "\(String(cString: strerror(errno)))"])
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends `record`; with `durable`, fsyncs before returning.
    func append(_ record: AuditRecord, durable: Bool) {
        guard path != nil else {
            memory.append(record)
            if memory.count > memoryLimit { memory.removeFirst(memory.count - memoryLimit) }
            return
        }
        let line = JSONCoding.encode(record) + [0x0A]
        // O_APPEND makes each line one write at the end, whole, even beside another writer.
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, !durable || fsync(descriptor) == 0 else {
            failures += 1
            logger.error(
                "audit record not written",
                metadata: ["action": "\(record.action)", "error": "\(String(cString: strerror(errno)))"])
            return
        }
    }

    /// The records matching `query`, oldest first, the newest `limit` of them.
    func read(_ query: AuditQuery) -> [AuditRecord] {
        let limit = query.limit ?? 1_000
        guard let path else { return Array(memory.filter(query.matches).suffix(limit)) }
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(Self.readLimitBytes) ? size - UInt64(Self.readLimitBytes) : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        // Reading from the middle of the file: the first line is a fragment.
        if start > 0, !lines.isEmpty { lines.removeFirst() }
        let decoder = JSONDecoder()
        let records = lines.compactMap { try? decoder.decode(AuditRecord.self, from: Data($0)) }
        return Array(records.filter(query.matches).suffix(limit))
    }
}
