/// Remembers recently seen topics by their raw bytes, so that an event whose topic was seen before skips
/// validation, `String` creation and the counters' dictionary: one hash and one `memcmp` instead.
///
/// Direct-mapped: each topic has one slot, chosen by an FNV-1a hash of its bytes; a colliding topic
/// simply replaces the slot's occupant. Only valid topics are ever inserted, so a hit is a valid topic.
struct TopicCache {
    struct Entry {
        var bytes: [UInt8]
        var name: String
        var counter: TopicCounter
    }

    private var slots: [Entry?]
    private let mask: Int

    /// `capacity` is rounded up to a power of two.
    init(capacity: Int = 256) {
        var size = 1
        while size < capacity { size <<= 1 }
        slots = Array(repeating: nil, count: size)
        mask = size - 1
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    /// The entry for `bytes`, if cached.
    @inline(__always)
    func lookup(_ bytes: UnsafeRawBufferPointer) -> Entry? {
        guard let entry = slots[Self.hash(bytes) & mask], entry.bytes.count == bytes.count else { return nil }
        let equal = entry.bytes.withUnsafeBytes { cached in
            bytes.count == 0 || memcmp(cached.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        }
        return equal ? entry : nil
    }

    mutating func insert(_ entry: Entry) {
        let slot = entry.bytes.withUnsafeBytes { Self.hash($0) } & mask
        slots[slot] = entry
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
