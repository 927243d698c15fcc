/// A batch of encoded records on its way from the producer to the writer thread.
///
/// The producer owns it while filling it, then hands it over under the queue's lock and never touches
/// it again until the writer gives it back empty; that hand-over is why it can be `@unchecked Sendable`.
/// Records go in with a zero checksum: the writer thread computes checksums, keeping the producer cheap.
final class BatchBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1 << 20) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: count) }

    func reset() {
        count = 0
    }

    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        grown.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inline(__always)
    private func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }

    @inline(__always)
    private func put(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        if let source = bytes.baseAddress, !bytes.isEmpty { (base + offset).copyMemory(from: source, byteCount: bytes.count) }
    }

    /// Appends one record (checksum left zero) and returns its size.
    @discardableResult
    func appendRecord(
        kind: RecordFormat.Kind, seq: UInt64, prev: UInt64, time: Int64, topic: UnsafeRawBufferPointer,
        meta: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer
    ) -> Int {
        let size = RecordFormat.overhead + topic.count + meta.count + payload.count
        reserve(size)
        let start = count
        put(RecordFormat.magic, at: start)
        put(UInt32(size - RecordFormat.headerSize), at: start + 4)
        put(UInt32(0), at: start + 8)
        base.storeBytes(of: kind.rawValue, toByteOffset: start + 12, as: UInt8.self)
        put(seq, at: start + 13)
        put(prev, at: start + 21)
        put(UInt64(bitPattern: time), at: start + 29)
        put(UInt32(topic.count), at: start + 37)
        put(UInt32(meta.count), at: start + 41)
        put(UInt32(payload.count), at: start + 45)
        var offset = start + RecordFormat.overhead
        put(topic, at: offset)
        offset += topic.count
        put(meta, at: offset)
        offset += meta.count
        put(payload, at: offset)
        count = start + size
        return size
    }

    /// Appends a gap record covering `gap`.
    @discardableResult
    func appendGap(_ gap: EventLogGap, time: Int64) -> Int {
        var reason = gap.reason
        return reason.withUTF8 { utf8 in
            appendRecord(
                kind: .gap, seq: gap.first, prev: gap.last, time: time, topic: UnsafeRawBufferPointer(start: nil, count: 0),
                meta: UnsafeRawBufferPointer(start: nil, count: 0), payload: UnsafeRawBufferPointer(utf8))
        }
    }
}
