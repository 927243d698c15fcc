import PlexusMajordomo
import PlexusProtocol

/// Who waits for a service's answer, as the broker tells the dispatcher: a case per protocol that can
/// call. The dispatcher treats it as an opaque token and hands it back with the answer.
enum BrokerCaller: Hashable, Sendable {
    /// A `CALL` on the control endpoint (a client or a plugin's session).
    case plexus(ControlEnvelope, requestID: [UInt8])
    /// A Majordomo client request.
    case majordomo(routingID: [UInt8], request: MajordomoClientMessage)
    /// The scheduler, for one run of a task; `instance` is set when the run is pinned to one instance
    /// (`all`), else the answer says which instance handled it.
    case task(runID: String, instance: String?)
}

extension ServiceDispatcher where Caller == BrokerCaller {
    /// Drops the calls of one task run (canceled, replaced or timed out) without answering.
    mutating func abandon(runID: String, now: Int64) -> [Action] {
        abandon(now: now) { caller in
            if case .task(let run, _) = caller { run == runID } else { false }
        }
    }
}
