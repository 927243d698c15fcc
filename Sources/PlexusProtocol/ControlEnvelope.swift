/// The routing part of a message received by the broker's ROUTER socket.
///
/// ROUTER prepends the sender's routing id. REQ peers (and well-behaved DEALER peers) then send an empty
/// delimiter frame; the broker accepts messages without it and answers in kind.
public struct ControlEnvelope: Hashable, Sendable {
    /// The routing id ROUTER assigned to the peer.
    public let routingID: [UInt8]
    /// Whether the peer sent the empty delimiter frame (the reply must carry it too).
    public let hasDelimiter: Bool

    public init(routingID: [UInt8], hasDelimiter: Bool = true) {
        self.routingID = routingID
        self.hasDelimiter = hasDelimiter
    }

    /// Splits `[routingID, ""?, ...body]` into the envelope and the body frames.
    /// Returns `nil` when there is not even a routing id (cannot be answered).
    public static func split(_ frames: [[UInt8]]) -> (ControlEnvelope, ArraySlice<[UInt8]>)? {
        guard let routingID = frames.first else { return nil }
        var body = frames.dropFirst()
        var hasDelimiter = false
        if let first = body.first, first.isEmpty {
            hasDelimiter = true
            body = body.dropFirst()
        }
        return (ControlEnvelope(routingID: routingID, hasDelimiter: hasDelimiter), body)
    }

    /// The frames to send through ROUTER to this peer: routing id, delimiter if expected, then `body`.
    public func wrap(_ body: [[UInt8]]) -> [[UInt8]] {
        var frames: [[UInt8]] = [routingID]
        frames.reserveCapacity(body.count + 2)
        if hasDelimiter { frames.append([]) }
        frames.append(contentsOf: body)
        return frames
    }
}
