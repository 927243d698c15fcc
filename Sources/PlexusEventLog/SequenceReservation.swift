import Foundation

/// The broker's sequence numbers survive restarts and crashes without reuse: a block is reserved
/// (written ahead and fsynced) before any number in it is used, so a crash loses at most the unused
/// rest of a block, never hands a number out twice.
///
/// ```swift
/// var sequence = try SequenceReservation(directory: dataDirectory)
/// var next = try sequence.start(above: log.recovery.lastSeq)
/// // for each event:
/// try sequence.ensure(next)
/// stamp(event, seq: next); next += 1
/// ```
public struct SequenceReservation {
    private struct File: Codable {
        var epoch: String
        var reserved: UInt64
    }

    /// A random id made when the file is created: a change tells consumers the numbering restarted.
    public let epoch: String
    private let directory: String
    private let path: String
    private let blockSize: UInt64
    /// The highest number that may be used without writing the file again.
    private var reserved: UInt64

    /// A fresh epoch: 64 random bits in hex, unique enough to tell sequences apart and short, since
    /// every META carries it. Also the epoch of a broker without a data directory (one per run).
    public static func newEpoch() -> String {
        String(UInt64.random(in: 1...UInt64.max), radix: 16)
    }

    /// Reads or creates `<directory>/sequence.json` (`{"epoch": "...", "reserved": N}`).
    public init(directory: String, blockSize: UInt64 = 1_000_000) throws {
        try FileIO.makeDirectory(directory)
        self.directory = directory
        path = "\(directory)/sequence.json"
        self.blockSize = max(1, blockSize)
        if let data = FileManager.default.contents(atPath: path) {
            guard let file = try? JSONDecoder().decode(File.self, from: data) else {
                throw EventLogError("read", path: path, detail: "not a sequence file ({\"epoch\": \"...\", \"reserved\": N})")
            }
            epoch = file.epoch
            reserved = file.reserved
        } else {
            epoch = Self.newEpoch()
            reserved = 0
            try save()
        }
    }

    /// The first seq this run may use: one past what was reserved when the file was read, and above
    /// `floor` (e.g. the event log's `lastSeq`). Reserves the first block.
    public mutating func start(above floor: UInt64) throws -> UInt64 {
        let first = max(reserved, floor) + 1
        reserved = first - 1 + blockSize
        try save()
        return first
    }

    /// Call before using `seq`: when it passes the reserved end, reserves up to `seq + blockSize`
    /// (write a temporary file, fsync, rename, fsync the directory). One comparison within the block.
    @inline(__always)
    public mutating func ensure(_ seq: UInt64) throws {
        if seq <= reserved { return }
        reserved = seq + blockSize
        try save()
    }

    private func save() throws(EventLogError) {
        let temporary = "\(path).tmp"
        let text = "{\"epoch\": \"\(epoch)\", \"reserved\": \(reserved)}\n"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EventLogError.system("create", path: temporary) }
        do {
            defer { close(fd) }
            let bytes = Array(text.utf8)
            let failure: EventLogError? = bytes.withUnsafeBytes { buffer in
                do throws(EventLogError) {
                    try FileIO.writeAll(fd, buffer, path: temporary)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure { throw failure }
            try FileIO.sync(fd, path: temporary)
        }
        guard rename(temporary, path) == 0 else { throw EventLogError.system("rename \(temporary) to", path: path) }
        try FileIO.syncDirectory(directory)
    }
}
