import PlexusProtocol

/// An event as a subscriber receives it: `[topic, payload, meta]`.
public struct ReceivedEvent: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var meta: EventMeta

    public init(topic: String, payload: [UInt8], meta: EventMeta) {
        self.topic = topic
        self.payload = payload
        self.meta = meta
    }

    /// The payload as UTF-8 text, or `nil` when it is not UTF-8.
    public var text: String? { String(validating: payload, as: UTF8.self) }

    /// The broker's sequence number (`meta.seq`).
    public var seq: UInt64 { meta.seq }
    /// The seq of the previous event on the same topic (`meta.prev`; nil past the broker's topic table).
    public var prev: UInt64? { meta.prev }
    /// The sequence's name (`meta.epoch`).
    public var epoch: String? { meta.epoch }

    /// Decodes one event of a `REPLAY` answer; `nil` when its topic or meta is not valid.
    public init?(_ frames: EventFrames) {
        guard let event = Self.decode(frames.frames) else { return nil }
        self = event
    }

    /// Decodes `[topic, payload, meta]`; `nil` for anything else.
    public static func decode(_ frames: [[UInt8]]) -> ReceivedEvent? {
        guard frames.count == 3, let topic = String(validating: frames[0], as: UTF8.self),
            let meta = try? EventCodec.decodeMeta(frames[2])
        else { return nil }
        return ReceivedEvent(topic: topic, payload: frames[1], meta: meta)
    }
}
