import Logging
import PlexusProtocol
import ZeroMQ

/// The loop's side of reliable events (docs/PROTOCOL.md section 10): acknowledged publishes answered
/// once stored, the event heartbeat, and the commands about stored events.
extension Broker {
    /// `PUBLISH`: stamped, logged and forwarded now; answered once the log holds it (at once without a
    /// log). If the log could not take it, the answer is 503 naming the seq the event was forwarded with.
    func publishAcknowledged(_ event: BrokerEvent, to envelope: ControlEnvelope, requestID: [UInt8]) {
        let (seq, logged) = publish(event)
        guard store.log != nil else {
            sendControl(
                envelope, ClientReply.ok(requestID: requestID, body: [JSONCoding.encode(PublishReply(seq: seq))]).encode())
            return
        }
        guard logged else {
            let error = ProtocolError(
                .unavailable,
                "the event was forwarded live as seq \(seq) but the event log could not store it (its writer is behind)",
                details: .object(["seq": .number(Double(seq))]))
            sendControl(envelope, ClientReply.error(requestID: requestID, error).encode())
            return
        }
        store.awaitStored(seq, envelope: envelope, requestID: requestID)
        // Hand it to the writer now rather than at the end of the turn: the publisher is waiting.
        store.log?.flush()
    }

    /// Answers the acknowledged publishes whose seq the log now holds.
    func answerStoredPublishes() {
        for ack in store.takeStoredAcks() {
            sendControl(
                ack.envelope,
                ClientReply.ok(requestID: ack.requestID, body: [JSONCoding.encode(PublishReply(seq: ack.seq))]).encode()
            )
        }
    }

    /// Publishes the event heartbeat on `plexus.events.heartbeat`: not stamped, not logged (META `seq` 0),
    /// carrying the head seq so that subscribers can check the tail of their stream.
    func publishEventHeartbeat() {
        eventHeartbeats &+= 1
        let heartbeat = EventHeartbeat(
            n: eventHeartbeats, head: state.events.sequence, firstSeq: store.log?.info.firstSeq ?? 0,
            dropped: state.events.statistics.dropped, epoch: store.epoch)
        var meta: [UInt8] = []
        EventCodec.writeMeta(
            into: &meta, seq: 0, prev: 0, time: Clock.wallMicroseconds(), epoch: store.epoch,
            source: PlexusConstants.brokerSource, headersJSON: nil)
        let frames = [Array(EventHeartbeat.topic.utf8), JSONCoding.encode(heartbeat), meta]
        do {
            // Lossy for a full subscriber, like any event; its next heartbeat's `n` tells it so.
            try eventsOut.setXPubNoDrop(false)
            defer { try? eventsOut.setXPubNoDrop(true) }
            _ = try eventsOut.send(multipart: frames, dontWait: true)
        } catch {
            logger.debug("event heartbeat not sent", metadata: ["error": "\(error)"])
        }
    }

    /// `EVENTS`, `REPLAY` and `DURABLE`.
    func answerEventStore(_ command: ClientCommand, to envelope: ControlEnvelope, requestID: [UInt8]) {
        func reply(_ reply: ClientReply) { sendControl(envelope, reply.encode()) }
        func noLog() -> ClientReply {
            .error(
                requestID: requestID,
                ProtocolError(
                    .unavailable,
                    "the broker keeps no event log (it needs a data directory, and events.log not false in topology.yaml)"))
        }
        switch command {
        case .events(nil):
            reply(.ok(requestID: requestID, body: [JSONCoding.encode(store.state(headSeq: state.events.sequence))]))
        case .events(let topic?):
            guard let worker = replayWorker else { return reply(noLog()) }
            if !worker.submit(.last(topic: topic, envelope: envelope, requestID: requestID)) { reply(busy(requestID)) }
        case .replay(let request):
            guard let worker = replayWorker else { return reply(noLog()) }
            // What this turn stamped must be readable by the worker.
            store.log?.flush()
            if !worker.submit(.replay(request, envelope: envelope, requestID: requestID)) { reply(busy(requestID)) }
        case .durable(let durable):
            answerDurable(durable, to: envelope, requestID: requestID)
        default:
            reply(.error(requestID: requestID, ProtocolError(.internal, "\(command.name) is not an event-store command")))
        }
    }

    private func busy(_ requestID: [UInt8]) -> ClientReply {
        .error(
            requestID: requestID,
            ProtocolError(.unavailable, "the replay queue is full (\(ReplayWorker.maxQueued) requests); try again shortly"))
    }

    private func answerDurable(_ command: DurableCommand, to envelope: ControlEnvelope, requestID: [UInt8]) {
        let head = state.events.sequence
        do throws(ProtocolError) {
            switch command {
            case .open(let open):
                if var existing = store.durable.cursors[open.name] {
                    guard existing.pattern == open.pattern else {
                        throw ProtocolError(
                            .conflict,
                            "durable subscription '\(open.name)' exists with pattern '\(existing.pattern)'; DELETE it to change the pattern"
                        )
                    }
                    existing.created = false
                    existing.epoch = store.epoch
                    return sendOK(envelope, requestID, existing)
                }
                guard store.durable.cursors.count < DurableStore.maxSubscriptions else {
                    throw ProtocolError(
                        .unavailable, "the broker holds \(DurableStore.maxSubscriptions) durable subscriptions, its limit")
                }
                let acked: UInt64 =
                    switch open.start {
                    case .new: head
                    case .all: (store.log?.info.firstSeq).map { $0 > 0 ? $0 - 1 : head } ?? head
                    case .after(let seq): seq
                    }
                var cursor = DurableCursor(name: open.name, pattern: open.pattern, acked: acked)
                try store.durable.save(cursor)
                logger.info(
                    "durable subscription created",
                    metadata: ["name": "\(open.name)", "pattern": "\(open.pattern)", "acked": "\(acked)"])
                cursor.created = true
                cursor.epoch = store.epoch
                sendOK(envelope, requestID, cursor)
            case .ack(let name, let seq):
                guard var cursor = store.durable.cursors[name] else { throw unknownDurable(name) }
                if seq > cursor.acked {
                    cursor.acked = min(seq, head)
                    try store.durable.save(cursor)
                }
                sendOK(envelope, requestID, ["acked": store.durable.cursors[name]?.acked ?? cursor.acked])
            case .dead(let letter, let payload):
                guard store.durable.cursors[letter.name] != nil else { throw unknownDurable(letter.name) }
                let headers: [String: String] = [
                    "original_topic": letter.topic, "original_seq": String(letter.seq), "error": letter.error,
                    "attempts": String(letter.attempts), "durable": letter.name,
                ]
                logger.warning(
                    "dead letter", metadata: ["durable": "\(letter.name)", "seq": "\(letter.seq)", "error": "\(letter.error)"])
                publishAcknowledged(
                    BrokerEvent(
                        topic: DurableDeadLetter.topic(for: letter.name), payload: payload, source: PlexusConstants.brokerSource,
                        headersJSON: JSONCoding.encode(headers)),
                    to: envelope, requestID: requestID)
            case .list:
                let list = store.durable.cursors.values.sorted { $0.name < $1.name }.map { cursor in
                    var listed = cursor
                    listed.lag = head > cursor.acked ? head - cursor.acked : 0
                    return listed
                }
                sendOK(envelope, requestID, list)
            case .delete(let name):
                guard store.durable.cursors[name] != nil else { throw unknownDurable(name) }
                try store.durable.delete(name)
                sendOK(envelope, requestID, [String: String]())
            }
        } catch {
            sendControl(envelope, ClientReply.error(requestID: requestID, error).encode())
        }
    }

    private func unknownDurable(_ name: String) -> ProtocolError {
        ProtocolError(.notFound, "no durable subscription named '\(name)' (OPEN it first)")
    }

    private func sendOK<T: Encodable>(_ envelope: ControlEnvelope, _ requestID: [UInt8], _ value: T) {
        sendControl(envelope, ClientReply.ok(requestID: requestID, body: [JSONCoding.encode(value)]).encode())
    }
}
