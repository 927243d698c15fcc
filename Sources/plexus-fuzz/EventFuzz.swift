import PlexusProtocol

/// Fuzzes what the broker does with an event from `events_in`, frames `[topic, payload, headers?]`:
/// the checks of `Broker.forwardEvents` and `Broker.parseHeaders`, written here with the same public
/// `PlexusProtocol` calls (the broker's own helpers are internal), then the META frame it stamps.
///
/// Invariants:
/// - `Topic.parse` accepts exactly the topics `Topic.validationError` finds nothing wrong with, and
///   returns the frame's bytes unchanged;
/// - `EventMetaEncoder` (the broker's hot path) writes byte for byte what `EventCodec.writeMeta` writes,
///   also when its cached tail changes from one event to the next;
/// - a subscriber's `EventCodec.decodeMeta` reads back the sequence number, time, source and headers.
enum EventFuzz {
    static func run(_ input: [UInt8]) -> FuzzTarget.Verdict {
        let frames = Frames.split(input)
        guard (2...EventCodec.maxInboundFrames).contains(frames.count) else { return .rejected }
        let (topicFrame, payload) = (frames[0], frames[1])

        var source = PlexusConstants.anonymousSource
        var others: [String: String] = [:]
        if frames.count == 3, !frames[2].isEmpty {
            do throws(ProtocolError) {
                let split = EventCodec.splitSource(try EventCodec.decodeHeaders(frames[2]))
                if let named = split.source {
                    guard !named.isEmpty, named.utf8.count <= 255 else { return .rejected }
                    source = named
                }
                others = split.others
            } catch {
                return .rejected
            }
        }

        let parsed = topicFrame.withUnsafeBytes { Topic.parse($0) }
        let problem = topicFrame.withUnsafeBytes { Topic.validationError($0) }
        switch parsed {
        case .success(let topic):
            precondition(problem == nil, "Topic.parse accepted a topic that validationError rejects: \(problem!)")
            precondition(Array(topic.utf8) == topicFrame, "Topic.parse changed the topic's bytes")
            precondition(Topic.validationError(topic) == nil, "the String and byte checks of a topic disagree")
            if Topic.isReserved(topic) { return .rejected }
        case .failure:
            precondition(problem != nil, "Topic.parse rejected a topic that validationError accepts")
            return .rejected
        }

        // Sequence number and time from the payload's first 16 bytes, so that the fuzzer reaches every width.
        let seq = number(payload, from: 0)
        let time = Int64(bitPattern: number(payload, from: 8))
        let headersJSON = others.isEmpty ? nil : JSONCoding.encode(others)
        let encoder = EventMetaEncoder()
        checkMeta(encoder, seq: seq, time: time, source: source, headersJSON: headersJSON, headers: others)
        // The encoder caches the part after the numbers: change it and back again.
        checkMeta(encoder, seq: seq &+ 1, time: time, source: PlexusConstants.brokerSource, headersJSON: nil, headers: [:])
        checkMeta(encoder, seq: seq &+ 2, time: time &- 1, source: source, headersJSON: headersJSON, headers: others)
        return .accepted
    }

    private static func checkMeta(
        _ encoder: EventMetaEncoder, seq: UInt64, time: Int64, source: String, headersJSON: [UInt8]?,
        headers: [String: String]
    ) {
        var written: [UInt8] = []
        EventCodec.writeMeta(into: &written, seq: seq, time: time, source: source, headersJSON: headersJSON)
        let fast = Array(encoder.encode(seq: seq, time: time, source: source, headersJSON: headersJSON))
        precondition(
            fast == written,
            "EventMetaEncoder wrote \(String(decoding: fast, as: UTF8.self)), writeMeta \(String(decoding: written, as: UTF8.self))"
        )
        do throws(ProtocolError) {
            let meta = try EventCodec.decodeMeta(written)
            let expected = EventMeta(seq: seq, time: max(0, time), source: source, headers: headers)
            precondition(meta == expected, "META \(String(decoding: written, as: UTF8.self)) decodes to \(meta)")
        } catch {
            preconditionFailure("a subscriber cannot decode META \(String(decoding: written, as: UTF8.self)): \(error)")
        }
    }

    /// Eight bytes from `offset`, little-endian, zeros past the end.
    private static func number(_ bytes: [UInt8], from offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in stride(from: offset + 7, through: offset, by: -1) {
            value = value << 8 | UInt64(index < bytes.count ? bytes[index] : 0)
        }
        return value
    }
}
