/// Anything a Majordomo peer sends the broker, dispatched on its header (see `MajordomoFraming.detect(_:)`).
public enum MajordomoInbound: Sendable, Hashable {
    case client(MajordomoClientMessage)
    case worker(MajordomoWorkerMessage)

    /// Decodes the frames after the ROUTER identity.
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws(MajordomoError) -> MajordomoInbound {
        switch try MajordomoFraming.detect(frames).role {
        case .client: .client(try MajordomoClientMessage.decode(frames))
        case .worker: .worker(try MajordomoWorkerMessage.decode(frames))
        }
    }

    public static func decode(_ frames: [[UInt8]]) throws(MajordomoError) -> MajordomoInbound { try decode(frames[...]) }

    /// Decodes a message whose leading empty frame was already split off (as `ControlEnvelope.split` does).
    public static func decode(_ frames: ArraySlice<[UInt8]>, hasEmptyDelimiter: Bool) throws(MajordomoError) -> MajordomoInbound {
        if hasEmptyDelimiter { return try decode([[]] + Array(frames)) }
        return try decode(frames)
    }

    /// Whether the frames start with a Majordomo header (after an optional empty frame).
    public static func isMajordomo(_ frames: ArraySlice<[UInt8]>) -> Bool { MajordomoFraming.isMajordomo(frames) }

    public static func isMajordomo(_ frames: [[UInt8]]) -> Bool { MajordomoFraming.isMajordomo(frames[...]) }
}
