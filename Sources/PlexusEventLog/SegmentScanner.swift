import Foundation

/// Reads the records of one segment file forward, with its own file descriptor (`pread`), verifying
/// every record and resynchronising over damage: after a record that does not verify it searches for
/// the next magic at which a record verifies and continues there.
///
/// Recovery at open and every read use this same code, so a reader meets a damaged range exactly as
/// recovery reported it.
final class SegmentScanner {
    enum Item {
        /// A verified record at `offset`; its bytes are in `recordBytes` until the next call.
        case record(RecordFormat.View, offset: UInt64)
        /// Bytes `from..<to` that hold no verified record; `nextKey` is the first sequence number of the
        /// record at `to`, nil when the damage runs to the end.
        case damage(from: UInt64, to: UInt64, nextKey: UInt64?)
    }

    /// Bytes read at a time; larger records get a larger buffer.
    static let chunk = 256 << 10

    private let fd: Int32
    /// Nothing at or past this offset is read: the size the writer published.
    let limit: UInt64
    /// Where the next record starts.
    private(set) var offset: UInt64
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var windowStart: UInt64 = 0
    private var windowCount = 0
    private var current: (offset: UInt64, size: Int) = (0, 0)

    /// Opens `path` for reading from `offset`; nil when the file is gone (retention deleted it).
    init?(path: String, limit: UInt64?, from offset: UInt64) {
        guard let fd = FileIO.openForReading(path) else { return nil }
        self.fd = fd
        self.limit = limit ?? FileIO.size(fd) ?? 0
        self.offset = offset
        capacity = SegmentScanner.chunk
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// The bytes of the record last returned.
    var recordBytes: UnsafeRawBufferPointer { window(at: current.offset, count: current.size) }

    /// The next verified record whose keys lie in `prevLast + 1 ... endSeq`, or the damage before it.
    func next(after prevLast: UInt64, upTo endSeq: UInt64) -> Item? {
        guard offset < limit else { return nil }
        if let record = verified(at: offset, after: prevLast, upTo: endSeq) {
            return found(record, at: offset)
        }
        let start = offset
        var candidate = offset + 1
        while candidate + UInt64(RecordFormat.headerSize) <= limit {
            let bytes = window(at: candidate, count: SegmentScanner.chunk)
            if bytes.isEmpty { break }  // a read error: what follows cannot be read either
            guard let hit = SegmentScanner.findMagic(bytes) else {
                // The last three bytes may begin a magic that continues past this window.
                candidate += UInt64(max(1, bytes.count - 3))
                continue
            }
            candidate += UInt64(hit)
            if let record = verified(at: candidate, after: prevLast, upTo: endSeq) {
                offset = candidate
                return .damage(from: start, to: candidate, nextKey: record.firstKey)
            }
            candidate += 1
        }
        offset = limit
        return .damage(from: start, to: limit, nextKey: nil)
    }

    private func found(_ record: RecordFormat.View, at start: UInt64) -> Item {
        current = (start, record.size)
        offset = start + UInt64(record.size)
        return .record(record, offset: start)
    }

    private func verified(at start: UInt64, after prevLast: UInt64, upTo endSeq: UInt64) -> RecordFormat.View? {
        guard case .valid(let record) = parse(at: start) else { return nil }
        // Out of order is damage too: a record that verifies but cannot be where it is (a stray copy).
        guard record.firstKey > prevLast, record.lastKey <= endSeq else { return nil }
        return record
    }

    private func parse(at start: UInt64) -> RecordFormat.Parse {
        let result = RecordFormat.parse(window(at: start, count: RecordFormat.headerSize))
        guard case .incomplete(let needed) = result else { return result }
        guard start + UInt64(needed) <= limit else { return .invalid }
        let again = RecordFormat.parse(window(at: start, count: needed))
        if case .incomplete = again { return .invalid }
        return again
    }

    /// The bytes from `start`: at least `count` of them unless the limit comes first.
    private func window(at start: UInt64, count: Int) -> UnsafeRawBufferPointer {
        let wanted = Int(min(UInt64(count), limit - min(start, limit)))
        if start >= windowStart, start + UInt64(wanted) <= windowStart + UInt64(windowCount) {
            let from = Int(start - windowStart)
            return UnsafeRawBufferPointer(start: buffer + from, count: windowCount - from)
        }
        if wanted > capacity {
            buffer.deallocate()
            capacity = wanted
            buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }
        let toRead = Int(min(UInt64(max(wanted, SegmentScanner.chunk, capacity)), limit - min(start, limit)))
        windowStart = start
        windowCount = FileIO.readFully(fd, into: buffer, count: min(toRead, capacity), offset: start) ?? 0
        return UnsafeRawBufferPointer(start: buffer, count: windowCount)
    }

    /// The offset of the first magic in `bytes`, nil when there is none.
    static func findMagic(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let first = UInt8(truncatingIfNeeded: RecordFormat.magic)
        var index = 0
        while index + 4 <= bytes.count {
            if bytes[index] == first, bytes.loadLE(UInt32.self, at: index) == RecordFormat.magic { return index }
            index += 1
        }
        return nil
    }
}
