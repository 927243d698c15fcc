/// Writes META frames (`{"seq":…,"prev":…,"time":…,"epoch":…,"source":…,"headers":…}`) for the broker's hot path.
///
/// Output is byte-for-byte what `EventCodec.writeMeta` produces, but without per-byte `Array.append`:
/// the numbers are written straight into a buffer allocated once, and the tail after them (`source` and
/// `headers`, which rarely change from one event to the next) is encoded once and copied while it is the same.
/// Not thread-safe: one encoder per broker loop.
public final class EventMetaEncoder {
    private var buffer: UnsafeMutableRawBufferPointer
    private var tail: [UInt8] = []
    private var tailSource: String?
    private var tailHeaders: [UInt8]?

    /// `,"epoch":"…"`, the same for every event of a broker run (empty without an epoch).
    private let epochPart: [UInt8]

    private static let seqPrefix = Array(#"{"seq":"#.utf8)
    private static let prevPrefix = Array(#","prev":"#.utf8)
    private static let timePrefix = Array(#","time":"#.utf8)

    /// An encoder for the broker run whose sequence is named `epoch` (section 10; nil leaves it out).
    public init(epoch: String? = nil) {
        buffer = .allocate(byteCount: 256, alignment: 8)
        var part: [UInt8] = []
        if let epoch {
            part.append(contentsOf: #","epoch":"#.utf8)
            EventCodec.appendJSONString(epoch, to: &part)
        }
        epochPart = part
    }

    deinit { buffer.deallocate() }

    /// Encodes a META frame; the bytes are valid until the next call.
    public func encode(seq: UInt64, prev: UInt64? = nil, time: Int64, source: String, headersJSON: [UInt8]?)
        -> UnsafeRawBufferPointer
    {
        if source != tailSource || headersJSON != tailHeaders {
            tail.removeAll(keepingCapacity: true)
            tail.append(contentsOf: #","source":"#.utf8)
            EventCodec.appendJSONString(source, to: &tail)
            if let headersJSON {
                tail.append(contentsOf: #","headers":"#.utf8)
                tail.append(contentsOf: headersJSON)
            }
            tail.append(UInt8(ascii: "}"))
            tailSource = source
            tailHeaders = headersJSON
        }
        let needed =
            Self.seqPrefix.count + 20 + Self.prevPrefix.count + 20 + Self.timePrefix.count + 20
            + epochPart.count + tail.count
        if needed > buffer.count {
            buffer.deallocate()
            buffer = .allocate(byteCount: needed * 2, alignment: 8)
        }
        var offset = copy(Self.seqPrefix, at: 0)
        offset = writeDecimal(seq, at: offset)
        if let prev {
            offset = copy(Self.prevPrefix, at: offset)
            offset = writeDecimal(prev, at: offset)
        }
        offset = copy(Self.timePrefix, at: offset)
        offset = writeDecimal(UInt64(clamping: max(0, time)), at: offset)
        offset = copy(epochPart, at: offset)
        offset = copy(tail, at: offset)
        return UnsafeRawBufferPointer(rebasing: buffer[0..<offset])
    }

    @inline(__always)
    private func copy(_ bytes: [UInt8], at offset: Int) -> Int {
        bytes.withUnsafeBytes { source in
            (buffer.baseAddress! + offset).copyMemory(from: source.baseAddress!, byteCount: source.count)
        }
        return offset + bytes.count
    }

    @inline(__always)
    private func writeDecimal(_ value: UInt64, at offset: Int) -> Int {
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var rest = value
        var index = offset + digits - 1
        repeat {
            buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
            index -= 1
        } while rest > 0
        return offset + digits
    }
}
