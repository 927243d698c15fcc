/// What the log knows about one segment file, shared by the writer (which updates it after each write)
/// and readers (which copy it under the lock and read only up to `size`).
struct Segment: Sendable {
    /// A sparse index entry: every `Segment.indexInterval` records, where one starts.
    struct IndexEntry: Sendable {
        /// The first sequence number of the record at `offset`.
        var seq: UInt64
        var offset: UInt64
        /// The newest event time from this record up to the next entry, so that a time search can skip
        /// whole blocks even when the broker's clock stepped back.
        var maxTime: Int64
    }

    /// Every this many records an index entry: 1,024 records of 64-byte events is about 110 KiB to scan.
    static let indexInterval = 1024

    /// The first sequence number, from the file name: every record in it is at or above.
    let base: UInt64
    let path: String
    /// Bytes readable: written by the writer (or kept by recovery).
    var size: UInt64 = 0
    /// The first and last sequence numbers of the records held (a gap counts with its range); nil when none.
    var firstKey: UInt64?
    var lastKey: UInt64 = 0
    var records: UInt64 = 0
    var events: UInt64 = 0
    /// Gap records, and damaged ranges found by recovery.
    var gaps: UInt64 = 0
    var minTime: Int64?
    var maxTime: Int64?
    var index: [IndexEntry] = []
    private var sinceIndex = 0

    init(base: UInt64, directory: String) {
        self.base = base
        path = Segment.path(base: base, directory: directory)
    }

    /// `<directory>/<20-digit first seq>.log`.
    static func path(base: UInt64, directory: String) -> String {
        let digits = String(base)
        return "\(directory)/\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits).log"
    }

    /// The first sequence number named by a segment file name, nil for any other file.
    static func base(fileName: String) -> UInt64? {
        guard fileName.utf8.count == 24, fileName.hasSuffix(".log") else { return nil }
        let digits = fileName.dropLast(4)
        guard digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(digits)
    }

    /// Counts a record that starts at `offset` and updates the index.
    mutating func note(_ record: RecordFormat.View, at offset: UInt64) {
        if firstKey == nil { firstKey = record.firstKey }
        lastKey = record.lastKey
        records += 1
        let isEvent = record.kind == .event
        if isEvent {
            events += 1
            minTime = min(minTime ?? record.time, record.time)
            maxTime = max(maxTime ?? record.time, record.time)
        } else {
            gaps += 1
        }
        if index.isEmpty || sinceIndex >= Segment.indexInterval {
            index.append(IndexEntry(seq: record.firstKey, offset: offset, maxTime: isEvent ? record.time : .min))
            sinceIndex = 0
        } else if isEvent, record.time > index[index.count - 1].maxTime {
            index[index.count - 1].maxTime = record.time
        }
        sinceIndex += 1
        size = offset + UInt64(record.size)
    }

    /// Where to start scanning for `seq`: the last indexed record at or before it (the start otherwise).
    func startOffset(for seq: UInt64) -> (offset: UInt64, prevLast: UInt64) {
        var low = 0
        var high = index.count
        while low < high {
            let middle = (low + high) / 2
            if index[middle].seq <= seq { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return (0, base == 0 ? 0 : base - 1) }
        let entry = index[low - 1]
        return (entry.offset, entry.seq - 1)
    }
}
