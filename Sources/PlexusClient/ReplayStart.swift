import PlexusProtocol

/// Where a reliable subscriber starts before it goes live: the `REPLAY` of section 10's handshake.
public enum ReplayStart: Sendable, Equatable {
    /// From this seq.
    case seq(UInt64)
    /// From the first event at or after this time (µs since the Unix epoch).
    case time(Int64)
    /// The last N stored events of each pattern.
    case last(Int)

    /// The handshake's request for one pattern.
    func request(pattern: String, toSeq: UInt64) -> ReplayRequest {
        switch self {
        case .seq(let seq): ReplayRequest(pattern: pattern, fromSeq: seq, toSeq: toSeq)
        case .time(let time): ReplayRequest(pattern: pattern, fromTime: time, toSeq: toSeq)
        // No end: how `last` and `to_seq` combine is not written down, and going past the head is harmless
        // (live duplicates are skipped).
        case .last(let count): ReplayRequest(pattern: pattern, last: count)
        }
    }
}
