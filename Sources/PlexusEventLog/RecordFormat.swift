import CZlib

/// The on-disk record, written down in docs/EVENT_LOG.md: a 12-byte header (magic, body length, CRC-32
/// of the body) and a body of fixed-width little-endian fields followed by the variable parts.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | magic `PXEV` |
/// | 4 | 4 | body length |
/// | 8 | 4 | CRC-32 (zlib) of the body |
/// | 12 | 1 | kind: 1 event, 2 gap |
/// | 13 | 8 | seq (a gap: its first) |
/// | 21 | 8 | prev (a gap: its last) |
/// | 29 | 8 | time, µs since the epoch |
/// | 37 | 4 | topic length |
/// | 41 | 4 | meta length |
/// | 45 | 4 | payload length (a gap: its reason's) |
/// | 49 | … | topic, meta, payload |
enum RecordFormat {
    /// `PXEV` as the first four bytes of every record, what recovery searches for to resynchronise.
    static let magic: UInt32 = 0x5645_5850
    static let headerSize = 12
    static let bodyHeaderSize = 37
    static let overhead = headerSize + bodyHeaderSize
    /// No record is larger; a length past it is damage, not a record (it also bounds the reader's buffer).
    static let maxBodyBytes = 1 << 28

    enum Kind: UInt8 {
        case event = 1
        case gap = 2
    }

    static func checksum(_ body: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = body.baseAddress else { return UInt32(truncatingIfNeeded: crc32(0, nil, 0)) }
        return UInt32(truncatingIfNeeded: crc32(0, base.assumingMemoryBound(to: Bytef.self), uInt(body.count)))
    }

    /// The fields of a record that parsed and verified. Byte ranges are relative to the record's start.
    struct View {
        var kind: Kind
        var seq: UInt64
        var prev: UInt64
        var time: Int64
        var topic: Range<Int>
        var meta: Range<Int>
        var payload: Range<Int>
        var size: Int

        /// The first sequence number the record covers: an event's seq, a gap's first.
        var firstKey: UInt64 { seq }
        /// The last sequence number the record covers: an event's seq, a gap's last.
        var lastKey: UInt64 { kind == .event ? seq : prev }
    }

    enum Parse {
        case valid(View)
        /// The header is plausible but the record runs past the bytes given: this many are needed.
        case incomplete(Int)
        case invalid
    }

    /// Parses and verifies the record at the start of `bytes`: magic, length bounds, checksum, kind,
    /// field lengths that add up, a UTF-8 topic, a gap's first ≤ last.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Parse {
        guard bytes.count >= headerSize else { return .incomplete(headerSize) }
        guard bytes.loadLE(UInt32.self, at: 0) == magic else { return .invalid }
        let bodyLength = Int(bytes.loadLE(UInt32.self, at: 4))
        guard bodyLength >= bodyHeaderSize, bodyLength <= maxBodyBytes else { return .invalid }
        let size = headerSize + bodyLength
        guard bytes.count >= size else { return .incomplete(size) }
        let body = UnsafeRawBufferPointer(rebasing: bytes[headerSize..<size])
        guard checksum(body) == bytes.loadLE(UInt32.self, at: 8) else { return .invalid }
        guard let kind = Kind(rawValue: body[0]) else { return .invalid }
        let topicLength = Int(body.loadLE(UInt32.self, at: 25))
        let metaLength = Int(body.loadLE(UInt32.self, at: 29))
        let payloadLength = Int(body.loadLE(UInt32.self, at: 33))
        guard bodyHeaderSize + topicLength + metaLength + payloadLength == bodyLength else { return .invalid }
        let topicStart = overhead
        let view = View(
            kind: kind, seq: body.loadLE(UInt64.self, at: 1), prev: body.loadLE(UInt64.self, at: 9),
            time: Int64(bitPattern: body.loadLE(UInt64.self, at: 17)),
            topic: topicStart..<topicStart + topicLength,
            meta: topicStart + topicLength..<topicStart + topicLength + metaLength,
            payload: topicStart + topicLength + metaLength..<size, size: size)
        switch kind {
        case .event:
            // A String made from invalid UTF-8 would be repaired, which is returning other bytes than stored.
            guard validUTF8(UnsafeRawBufferPointer(rebasing: bytes[view.topic])) else { return .invalid }
        case .gap:
            guard topicLength == 0, metaLength == 0, view.seq <= view.prev,
                validUTF8(UnsafeRawBufferPointer(rebasing: bytes[view.payload]))
            else { return .invalid }
        }
        return .valid(view)
    }

    static func validUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

extension UnsafeRawBufferPointer {
    /// A little-endian integer at any alignment.
    func loadLE<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension RecordFormat {
    /// The fields of a record this process encoded itself (the writer's batch), read without verifying.
    static func trustedView(_ bytes: UnsafeRawBufferPointer) -> View {
        let kind = Kind(rawValue: bytes[12]) ?? .event
        let topicLength = Int(bytes.loadLE(UInt32.self, at: 37))
        let metaLength = Int(bytes.loadLE(UInt32.self, at: 41))
        let size = headerSize + Int(bytes.loadLE(UInt32.self, at: 4))
        return View(
            kind: kind, seq: bytes.loadLE(UInt64.self, at: 13), prev: bytes.loadLE(UInt64.self, at: 21),
            time: Int64(bitPattern: bytes.loadLE(UInt64.self, at: 29)),
            topic: overhead..<overhead + topicLength,
            meta: overhead + topicLength..<overhead + topicLength + metaLength,
            payload: overhead + topicLength + metaLength..<size, size: size)
    }
}
