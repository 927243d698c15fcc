import PlexusProtocol

/// What the broker core (`BrokerState`) asks the loop to do with its sockets. The core decides; the
/// loop (`Broker`) owns the sockets and carries effects out in order.
enum BrokerEffect: Sendable, Equatable {
    /// Frames to a peer of the control endpoint (the envelope says whether it wants the empty delimiter).
    case send(ControlEnvelope, [[UInt8]])
    /// An event the broker publishes itself: the event path stamps and forwards it.
    case publish(BrokerEvent)
    /// An acknowledged `PUBLISH`: the event path stamps it, then the client gets `OK {"seq": N}`.
    case publishAcknowledged(BrokerEvent, to: ControlEnvelope, requestID: [UInt8])
    /// A command about stored events (`EVENTS`, `REPLAY`, `DURABLE`): the loop's event store, which
    /// owns the log and the cursors, answers it.
    case eventStore(ClientCommand, to: ControlEnvelope, requestID: [UInt8])
    /// A service `REQUEST` to an instance: like `send`, but a request that cannot be queued for the
    /// instance is reported back to the core (`requestUndeliverable`), so that the call fails at once.
    case sendRequest(ControlEnvelope, [[UInt8]], instance: String, rid: String)
    /// `METRICS`: the loop hands the core's figures to the broker's registry, then answers with the
    /// exposition text.
    case metrics(to: ControlEnvelope, requestID: [UInt8], snapshot: MetricsSnapshot)
    /// A record for the audit log; `durable` ones (administrative commands) are fsynced before the
    /// loop goes on, which is before their answer leaves.
    case audit(AuditRecord, durable: Bool)
    /// `AUDIT`: the loop reads the audit log and answers.
    case auditQuery(AuditQuery, to: ControlEnvelope, requestID: [UInt8])
}

/// An event as the core hands it to the event path: not yet stamped.
struct BrokerEvent: Sendable, Equatable {
    var topic: String
    var payload: [UInt8]
    var source: String
    /// The headers other than `source`, as JSON, or nil.
    var headersJSON: [UInt8]?
}
