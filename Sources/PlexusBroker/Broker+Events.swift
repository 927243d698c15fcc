import Logging
import PlexusProtocol
import ZeroMQ

/// The event path: receive from `events_in`, validate, stamp, count, forward to `events_out`.
extension Broker {
    /// Events handled per wake-up before the loop looks at the other sockets again, so that a flood of
    /// events cannot starve the control endpoint.
    static let eventBatch = 512

    /// Drains up to `eventBatch` events from `events_in`. Frames are moved, not copied: the topic and
    /// payload messages received from SUB are handed to XPUB as they are.
    func forwardEvents() {
        let (topic, payload, headers) = (inbound.topic, inbound.payload, inbound.headers)
        // Without a policy that refuses anything, the event path does not ask it (once per batch: an
        // applied topology can change the policy).
        let checksEvents = !(state.policy is AllowEverything)
        for _ in 0..<Self.eventBatch {
            do {
                guard try eventsIn.receive(into: topic, dontWait: true) else { return }
                guard topic.hasMore else {
                    rejectEvent("event has 1 frame; expected [topic, payload, headers?]")
                    continue
                }
                try eventsIn.receive(into: payload)
                var headersJSON: [UInt8]? = nil
                var source = PlexusConstants.anonymousSource
                var headerBytes = 0
                if payload.hasMore {
                    try eventsIn.receive(into: headers)
                    headerBytes = headers.count
                    if headers.hasMore {
                        let extra = try drainRest()
                        rejectEvent("event has \(3 + extra) frames; expected at most 3")
                        continue
                    }
                    if headers.count > 0 {
                        switch Self.parseHeaders(headers.bytes) {
                        case .success(let parsed):
                            source = parsed.source ?? source
                            headersJSON = parsed.othersJSON
                        case .failure(let error):
                            rejectEvent(error.message)
                            continue
                        }
                    }
                }
                // Identity binding (CURVE on): the source is the sender's, as its key was admitted.
                var sender: PeerIdentity? = nil
                if zap != nil, let identity = PeerIdentity(of: topic) {
                    sender = identity
                    if source == PlexusConstants.anonymousSource {
                        source = identity.instance ?? identity.name
                    } else if !state.sourceAllowed(source, name: identity.name, instance: identity.instance) {
                        state.badInput.record(
                            "source",
                            "event refused: source '\(source)' is not the sender '\(identity.instance ?? identity.name)'",
                            now: Clock.monotonicMilliseconds(), logger: logger)
                        continue
                    }
                }
                let size = topic.count + payload.count + headerBytes
                guard size <= configuration.maxEventBytes else {
                    rejectEvent("event has \(size) bytes; the limit is \(configuration.maxEventBytes) (broker.max_event_bytes)")
                    continue
                }
                guard let counter = counter(forTopicIn: topic, from: sender, checksEvents: checksEvents) else { continue }
                let (seq, prev) = state.events.stamp(counter: counter, payloadBytes: payload.count)
                store.reserve(seq)
                let time = Clock.wallMicroseconds()
                let meta = state.events.metaEncoder.encode(
                    seq: seq, prev: prev, time: time, source: source, headersJSON: headersJSON)
                // Logged before it is sent: sending moves the frames' bytes to libzmq.
                if let log = store.log {
                    topic.withUnsafeBytes { topicBytes in
                        payload.withUnsafeBytes { payloadBytes in
                            _ = log.append(
                                seq: seq, prev: prev ?? 0, time: time, topic: topicBytes, payload: payloadBytes, meta: meta)
                        }
                    }
                }
                try deliver(counter: counter) { (dontWait) throws(ZMQError) in
                    guard try eventsOut.send(topic, more: true, dontWait: dontWait) else { return false }
                    try eventsOut.send(payload, more: true)
                    try eventsOut.send(meta)
                    return true
                }
            } catch {
                logger.error("event forwarding failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// The counter for the topic in `frame`, validating the topic the first time it is seen; `nil` (and
    /// counted) for an invalid topic or one `sender`'s permissions do not allow.
    private func counter(forTopicIn frame: Message, from sender: PeerIdentity?, checksEvents: Bool) -> TopicCounter? {
        if let cached = frame.withUnsafeBytes({ state.events.topicCache.lookup($0) }) {
            if checksEvents, !state.mayPublish(cached.name, from: sender) { return denied() }
            return cached.counter
        }
        switch frame.withUnsafeBytes({ Topic.parse($0) }) {
        case .success(let name) where Topic.isReserved(name):
            rejectEvent("topic '\(name)' is reserved for the broker")
            return nil
        case .success(let name):
            let counter = state.events.statistics.counter(for: name)
            state.events.topicCache.insert(TopicCache.Entry(bytes: frame.bytes, name: name, counter: counter))
            if checksEvents, !state.mayPublish(name, from: sender) { return denied() }
            return counter
        case .failure(let error):
            rejectEvent(error.message)
            return nil
        }
    }

    /// The policy point refused an event: counted as refused (`denied`), never forwarded; the violation's
    /// report (event, audit record, the plugin's session) goes out now.
    private func denied() -> TopicCounter? {
        state.events.statistics.recordDenied()
        execute(state.takeEffects())
        return nil
    }

    /// Sends one stamped event to its subscribers. `send(dontWait)` sends the frames and returns false when
    /// the first could not be queued. With `ZMQ_XPUB_NODROP` on, that happens when a matching subscriber's
    /// queue is full: the event is then counted as dropped (libzmq cannot say for which subscriber) and
    /// sent again lossily, so that the subscribers with room still get it.
    @inline(__always)
    func deliver(counter: TopicCounter, _ send: (_ dontWait: Bool) throws(ZMQError) -> Bool) throws(ZMQError) {
        if try send(true) {
            state.events.statistics.recordForwarded()
            return
        }
        counter.dropped &+= 1
        state.events.statistics.recordDropped()
        try eventsOut.setXPubNoDrop(false)
        defer { try? eventsOut.setXPubNoDrop(true) }
        if try send(false) { state.events.statistics.recordForwarded() }
    }

    /// Reads the rest of an over-long multipart message so the socket stays in step; returns how many.
    private func drainRest(of socket: Socket? = nil) throws(ZMQError) -> Int {
        let socket = socket ?? eventsIn
        let scratch = Message()
        var count = 0
        repeat {
            try socket.receive(into: scratch)
            count += 1
        } while scratch.hasMore
        return count
    }

    private func rejectEvent(_ reason: String) {
        state.badInput.record("events", reason, now: Clock.monotonicMilliseconds(), logger: logger)
    }

    /// Decodes a headers frame into the publisher's source and the re-encoded other headers.
    static func parseHeaders(_ frame: [UInt8]) -> Result<(source: String?, othersJSON: [UInt8]?), ProtocolError> {
        do throws(ProtocolError) {
            let (source, others) = EventCodec.splitSource(try EventCodec.decodeHeaders(frame))
            if let source, let problem = EventCodec.sourceProblem(source) { throw ProtocolError.bad(problem) }
            return .success((source, others.isEmpty ? nil : JSONCoding.encode(others)))
        } catch {
            return .failure(error)
        }
    }

    /// Stamps, logs and forwards an event that did not come through `events_in`: acknowledged publishes
    /// and the broker's own events. The topic must be valid. Returns its sequence number, and whether the
    /// log took it (true without a log).
    @discardableResult
    func publish(_ event: BrokerEvent) -> (seq: UInt64, logged: Bool) {
        let counter = state.events.statistics.counter(for: event.topic)
        let (seq, prev) = state.events.stamp(counter: counter, payloadBytes: event.payload.count)
        store.reserve(seq)
        let time = Clock.wallMicroseconds()
        let meta = state.events.metaEncoder.encode(
            seq: seq, prev: prev, time: time, source: event.source, headersJSON: event.headersJSON)
        let topicBytes = Array(event.topic.utf8)
        var logged = true
        if let log = store.log {
            logged = topicBytes.withUnsafeBytes { topicRaw in
                event.payload.withUnsafeBytes { payloadRaw in
                    log.append(seq: seq, prev: prev ?? 0, time: time, topic: topicRaw, payload: payloadRaw, meta: meta)
                }
            }
        }
        do {
            try deliver(counter: counter) { (dontWait) throws(ZMQError) in
                guard try eventsOut.send(topicBytes, more: true, dontWait: dontWait) else { return false }
                try eventsOut.send(event.payload, more: true)
                try eventsOut.send(meta)
                return true
            }
        } catch {
            counter.dropped &+= 1
            state.events.statistics.recordDropped()
            logger.error("event forwarding failed", metadata: ["error": "\(error)", "topic": "\(event.topic)"])
        }
        return (seq, logged)
    }

    /// Applies subscription messages from the XPUB socket (subscribers joining or leaving prefixes).
    ///
    /// With CURVE the socket is in `ZMQ_XPUB_MANUAL` mode: a subscription takes effect only when the loop
    /// applies it, right after receiving it, which it does when the subscriber's permissions grant the
    /// prefix (`PolicyRequest.subscribe`). A refused prefix is never applied: the subscriber gets nothing
    /// under it, and the violation is reported. `subscriptions` in `STATS` counts what subscribers asked
    /// for (libzmq reports the unsubscriptions of a closed connection for refused prefixes too).
    func readSubscriptions() {
        let frame = inboundSubscription
        for _ in 0..<Self.eventBatch {
            do {
                guard try eventsOut.receive(into: frame, dontWait: true) else { return }
                if frame.hasMore {
                    let extra = try drainRest(of: eventsOut)
                    state.badInput.record(
                        "subscriptions", "a \(extra + 1)-frame message on events_out", now: Clock.monotonicMilliseconds(),
                        logger: logger)
                    continue
                }
                let bytes = frame.bytes
                if zap != nil, bytes.first == 1 { applyIfPermitted(bytes, identity: PeerIdentity(of: frame)) }
                if zap != nil, bytes.first == 0 { try eventsOut.unsubscribe(Array(bytes.dropFirst())) }
                if !state.events.statistics.applySubscription(bytes) {
                    state.badInput.record(
                        "subscriptions", "unexpected message on events_out", now: Clock.monotonicMilliseconds(), logger: logger)
                }
            } catch {
                logger.error("reading subscriptions failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// Applies the subscription in `message` (`1` + prefix) to the subscriber that sent it, if it may hold it.
    private func applyIfPermitted(_ message: [UInt8], identity: PeerIdentity?) {
        let prefix = Array(message.dropFirst())
        if let identity {
            // A prefix that is not UTF-8 cannot be judged against patterns: refused.
            guard let text = String(validating: prefix, as: UTF8.self) else {
                state.badInput.record(
                    "subscriptions", "a subscription prefix that is not UTF-8 from '\(identity.name)'",
                    now: Clock.monotonicMilliseconds(), logger: logger)
                return
            }
            if state.refusal(.subscribe(prefix: text), from: identity) != nil {
                execute(state.takeEffects())
                return
            }
        }
        do {
            try eventsOut.subscribe(prefix)
        } catch {
            logger.error("applying a subscription failed", metadata: ["error": "\(error)"])
        }
    }
}
