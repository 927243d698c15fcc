import PlexusClient
import PlexusProtocol

/// Builders for `GapRepair`'s inputs: events with seq and prev, heartbeats, replay answers.
enum Feed {
    static let epoch = "e1"

    static func event(_ topic: String, _ seq: UInt64, prev: UInt64?, epoch: String = Feed.epoch) -> ReceivedEvent {
        ReceivedEvent(
            topic: topic, payload: Array("\(seq)".utf8),
            meta: EventMeta(seq: seq, prev: prev, time: Int64(seq), epoch: epoch, source: "test"))
    }

    static func heartbeat(n: UInt64, head: UInt64, dropped: UInt64 = 0, epoch: String = Feed.epoch) -> ReceivedEvent {
        let beat = EventHeartbeat(n: n, head: head, firstSeq: 1, dropped: dropped, epoch: epoch)
        return ReceivedEvent(
            topic: EventHeartbeat.topic, payload: JSONCoding.encode(beat),
            meta: EventMeta(seq: 0, prev: 0, time: 0, epoch: epoch, source: "plexus.broker"))
    }

    static func frames(_ event: ReceivedEvent) -> EventFrames {
        EventFrames(topic: Array(event.topic.utf8), payload: event.payload, meta: JSONCoding.encode(event.meta))
    }

    static func answer(
        _ events: [ReceivedEvent], scannedTo: UInt64, done: Bool = true, gaps: [SeqGap] = [], epoch: String = Feed.epoch
    ) -> ReplayAnswer {
        ReplayAnswer(
            batch: ReplayBatch(
                count: events.count, scannedTo: scannedTo, done: done, firstSeq: 1, lastSeq: scannedTo, epoch: epoch,
                gaps: gaps),
            events: events.map(frames))
    }
}

extension [GapRepair.Action] {
    /// The seqs delivered, in order.
    var delivered: [UInt64] {
        compactMap { if case .deliver(let event) = $0 { event.meta.seq } else { nil } }
    }

    /// The replays asked for.
    var replays: [ReplayRequest] {
        compactMap { if case .replay(let request, _) = $0 { request } else { nil } }
    }

    var losses: [EventLoss] {
        compactMap { if case .lost(let loss) = $0 { loss } else { nil } }
    }
}
