import Logging
import PlexusMajordomo
import PlexusProtocol

/// The core's side of services: carrying out the dispatcher's decisions and feeding it calls, answers
/// and instance changes.
extension BrokerState {
    /// Carries out one of the dispatcher's decisions.
    mutating func apply(_ action: ServiceDispatcher<BrokerCaller>.Action) {
        switch action {
        case .request(let instance, let rid, let service, let body, let meta):
            guard let session = registry.session(instance: instance) else {
                // Registered a moment ago and gone already: the removal fails or re-queues the call.
                enqueue(dispatcher.workerRemoved(instance, now: Clock.monotonicMilliseconds()))
                return
            }
            if let peer = majordomoWorkers[session.routingID] {
                majordomoRequest(peer, route: session.routingID, rid: rid, body: body)
                return
            }
            emit(
                .sendRequest(
                    ControlEnvelope(routingID: session.routingID),
                    BrokerMessage.request(rid: rid, service: service, body: body, meta: meta).encode(),
                    instance: instance, rid: rid))
        case .cancel(let instance, let rid):
            // Majordomo has no CANCEL: such a worker's late answer is simply dropped.
            if let session = registry.session(instance: instance), majordomoWorkers[session.routingID] == nil {
                sendControl(ControlEnvelope(routingID: session.routingID), BrokerMessage.cancel(rid: rid).encode())
            }
        case .answer(.task(let runID, let pinned), let answer, let instance):
            taskAnswered(runID: runID, instance: pinned ?? instance, answer)
        case .answer(.majordomo(let routingID, let request), let answer, _):
            majordomoAnswer(routingID, request, answer)
        case .answer(.plexus(let envelope, let requestID), let answer, _):
            let reply: ClientReply
            switch answer {
            case .partial(let body): reply = .partial(requestID: requestID, body: [body])
            case .final(let body): reply = .ok(requestID: requestID, body: [body])
            case .error(let error): reply = .error(requestID: requestID, error)
            }
            sendControl(envelope, reply.encode())
        case .breakerChanged(let service, let state, let reason):
            logger.warning("circuit breaker \(state)", metadata: ["service": "\(service)", "reason": "\(reason)"])
            publish(
                topic: "plexus.service.breaker",
                payload: JSONCoding.encode(["service": service, "state": state, "reason": reason]),
                source: PlexusConstants.brokerSource, headersJSON: nil)
        }
    }

    /// `CALL` from a client (or a plugin's session).
    mutating func call(_ service: String, body: [UInt8], options: CallOptions, from envelope: ControlEnvelope, requestID: [UInt8])
    {
        // With CURVE the caller is who the key says, never what the request claims.
        let callerName = registry.session(route: envelope.routingID)?.instance ?? peer?.name ?? "client"
        enqueue(
            dispatcher.call(
                service, body: body, caller: .plexus(envelope, requestID: requestID), callerName: callerName, options: options,
                now: Clock.monotonicMilliseconds(), wall: Clock.wallMicroseconds(),
                nowMicroseconds: Clock.monotonicMicroseconds()))
    }

    mutating func serviceAnswer(_ message: PluginMessage, from instance: String) {
        enqueue(
            dispatcher.answer(
                message, from: instance, now: Clock.monotonicMilliseconds(), nowMicroseconds: Clock.monotonicMicroseconds()))
    }

    mutating func servicesJoined(_ registration: Registration) {
        enqueue(
            dispatcher.workerAdded(
                registration.instance, services: registration.services, capacity: registration.concurrency,
                now: Clock.monotonicMilliseconds()))
    }

    mutating func servicesLeft(_ instance: String) {
        enqueue(dispatcher.workerRemoved(instance, now: Clock.monotonicMilliseconds()))
        // A new session starts passing: its old reports say nothing about it (the probe's verdict stays,
        // since it is about the process, which may still run).
        sessionHealthEnded(instance)
    }

    /// A `REQUEST` the loop could not hand to its instance's connection (its queue in the broker was
    /// full): the call fails now, with the reason, instead of waiting for its deadline; a task run
    /// records it as failed (docs/PROTOCOL.md section 6).
    mutating func requestUndeliverable(instance: String, rid: String) -> [BrokerEffect] {
        let error = ProtocolError(
            .unavailable, "instance '\(instance)' is not reading: its queue in the broker is full, the request was not sent")
        enqueue(dispatcher.answer(.fail(rid: rid, error: error), from: instance, now: Clock.monotonicMilliseconds()))
        return takeEffects()
    }
}
