import PlexusProtocol

/// The event log's commands (docs/PROTOCOL.md, section 10): `EVENTS`, `REPLAY`, `DURABLE`, `SUBSCRIBER`.
extension ControlClient {
    /// One batch of stored events. A `from_seq` older than the oldest stored throws
    /// `ClientError.rejected` with code 410 (`truncated`), whose `details` hold `first_seq`.
    public func replay(_ request: ReplayRequest) throws(ClientError) -> ReplayAnswer {
        let body = try self.request(.replay(request))
        do throws(ProtocolError) {
            return try ReplayAnswer.decode(body)
        } catch {
            throw .badReply(error.message)
        }
    }

    /// The log's state: head, oldest and last stored seq, retention, recovery.
    public func eventLogState() throws(ClientError) -> EventLogState {
        try request(.events(lastOf: nil), as: EventLogState.self)
    }

    /// The last stored event of `topic`, or nil when none is stored (the broker answers 404).
    public func lastEvent(topic: String) throws(ClientError) -> ReceivedEvent? {
        let body: [[UInt8]]
        do {
            body = try request(.events(lastOf: topic))
        } catch .rejected(let error) where error.knownCode == .notFound {
            return nil
        }
        guard let event = ReceivedEvent.decode(body) else {
            throw .badReply("EVENTS LAST reply is not [topic, payload, meta]")
        }
        return event
    }

    /// Sends a `DURABLE` command and returns the body frames of the answer; the typed helpers below decode it.
    public func durable(_ command: DurableCommand) throws(ClientError) -> [[UInt8]] {
        try request(.durable(command))
    }

    /// Creates a durable subscription's cursor, or returns the stored one (409 for another pattern).
    public func durableOpen(_ open: DurableOpen) throws(ClientError) -> DurableCursor {
        try request(.durable(.open(open)), as: DurableCursor.self)
    }

    /// Acknowledges every event of the subscription up to `seq`; returns the cursor's acked seq.
    @discardableResult
    public func durableAck(name: String, seq: UInt64) throws(ClientError) -> UInt64 {
        try request(.durable(.ack(name: name, seq: seq)), as: AckedReply.self).acked
    }

    /// Publishes an event its consumer gave up on to `plexus.deadletter.NAME`; returns the dead letter's seq.
    @discardableResult
    public func durableDead(_ letter: DurableDeadLetter, payload: [UInt8]) throws(ClientError) -> UInt64 {
        try request(.durable(.dead(letter, payload: payload)), as: SeqReply.self).seq
    }

    /// Every durable subscription, with its lag.
    public func durableList() throws(ClientError) -> [DurableCursor] {
        try request(.durable(.list), as: [DurableCursor].self)
    }

    /// Deletes a durable subscription's cursor.
    public func durableDelete(name: String) throws(ClientError) {
        _ = try request(.durable(.delete(name: name)))
    }

    /// Reports a subscriber's counts, so that `STATS` shows who is slow.
    public func reportSubscriber(_ report: SubscriberReport) throws(ClientError) {
        _ = try request(.subscriber(report))
    }

    private struct AckedReply: Decodable { var acked: UInt64 }
    private struct SeqReply: Decodable { var seq: UInt64 }
}
