import PlexusMajordomo
import PlexusProtocol

/// A Majordomo worker attached to this broker: its dialect (for the frames sent back) and the instance id
/// it has in the registry.
struct MajordomoPeer: Sendable {
    var dialect: MajordomoDialect
    var instance: String
}

/// Majordomo on the control endpoint (docs/MAJORDOMO.md): MDP workers become service instances in the
/// registry, MDP clients call any Plexus service, and `mmi.service` answers from the service table.
extension BrokerState {
    /// How long an MDP worker may stay silent: MDP's usual heartbeat is 2.5 s, more than ours.
    static let majordomoExpiryMilliseconds = 10_000

    /// Handles the frames after the routing id of a message whose header is a Majordomo one.
    mutating func handleMajordomo(_ routingID: [UInt8], _ frames: ArraySlice<[UInt8]>, wall: Int64, monotonic: Int64) {
        let inbound: MajordomoInbound
        do throws(MajordomoError) {
            inbound = try MajordomoInbound.decode(frames)
        } catch {
            // Majordomo has no error reply: the message is dropped, counted and logged.
            badInput.record("majordomo", "\(error)", now: monotonic, logger: logger)
            return
        }
        switch inbound {
        case .client(let request):
            if let reply = MajordomoMMI.reply(to: request, isServiceAvailable: { dispatcher.offers($0) }) {
                sendMajordomo(routingID, try? reply.encode())
                return
            }
            if let error = refusal(.call(service: request.service), from: peer) {
                majordomoAnswer(routingID, request, .error(error))
                return
            }
            // Plexus services take one body frame; a multi-frame Majordomo body is joined.
            let body = request.body.count == 1 ? request.body[0] : Array(request.body.joined())
            enqueue(
                dispatcher.call(
                    request.service, body: body, caller: .majordomo(routingID: routingID, request: request),
                    callerName: peer?.name ?? "majordomo client", options: CallOptions(), now: monotonic, wall: wall,
                    nowMicroseconds: Clock.monotonicMicroseconds()))
        case .worker(let message):
            handleMajordomoWorker(routingID, message, wall: wall, monotonic: monotonic)
        }
    }

    private mutating func handleMajordomoWorker(
        _ routingID: [UInt8], _ message: MajordomoWorkerMessage, wall: Int64, monotonic: Int64
    ) {
        switch message.kind {
        case .ready(let service):
            if let problem = ServiceName.validationError(service) {
                badInput.record("majordomo", "worker READY for '\(service)': \(problem)", now: monotonic, logger: logger)
                sendMajordomo(routingID, MajordomoBrokerCommand.disconnect(message.dialect))
                return
            }
            if let error = refusal(.serve(service: service), from: peer) {
                // Majordomo has no error reply for a worker: it is told to go, and the refusal is recorded.
                logger.warning("majordomo worker refused", metadata: ["service": "\(service)", "error": "\(error.message)"])
                sendMajordomo(routingID, MajordomoBrokerCommand.disconnect(message.dialect))
                return
            }
            let instance = "mdp-" + routingID.prefix(12).map { String(format: "%02x", $0) }.joined()
            let registration = Registration(
                name: "mdp", type: "majordomo", version: message.dialect.rawValue, instance: instance, services: [service],
                language: "majordomo")
            registry.register(
                registration, routingID: routingID, attached: true, wall: wall, monotonic: monotonic,
                expiryMilliseconds: Self.majordomoExpiryMilliseconds)
            registry.setState(.running, route: routingID)
            majordomoWorkers[routingID] = MajordomoPeer(dialect: message.dialect, instance: instance)
            logger.info("majordomo worker ready", metadata: ["instance": "\(instance)", "service": "\(service)"])
            if let session = registry.session(route: routingID) { publishLifecycle("plexus.plugin.registered", session: session) }
            servicesJoined(registration)
        case .heartbeat:
            break  // a sign of life, already counted
        case .disconnect:
            majordomoWorkerLeft(routingID, reason: "disconnected")
        case .reply, .partial, .final:
            guard let peer = majordomoWorkers[routingID], let answer = message.kind.clientReply else {
                badInput.record("majordomo", "reply from a worker that never sent READY", now: monotonic, logger: logger)
                sendMajordomo(routingID, MajordomoBrokerCommand.disconnect(message.dialect))
                return
            }
            // The "client address" we sent the worker is the Plexus request id.
            let rid = String(decoding: answer.clientAddress, as: UTF8.self)
            let body = answer.body.count == 1 ? answer.body[0] : Array(answer.body.joined())
            serviceAnswer(answer.isLast ? .reply(rid: rid, body: body) : .partial(rid: rid, body: body), from: peer.instance)
        }
    }

    /// A Majordomo worker is gone (DISCONNECT, or evicted): its requests fail over or fail.
    mutating func majordomoWorkerLeft(_ routingID: [UInt8], reason: String) {
        guard let peer = majordomoWorkers.removeValue(forKey: routingID) else { return }
        if let session = registry.remove(route: routingID) {
            publishLifecycle("plexus.plugin.stopped", session: session, reason: reason)
        }
        servicesLeft(peer.instance)
    }

    /// A Plexus request for a Majordomo worker: its id travels as the client address.
    mutating func majordomoRequest(_ peer: MajordomoPeer, route: [UInt8], rid: String, body: [UInt8]) {
        let command = MajordomoBrokerCommand(.request(clientAddress: Array(rid.utf8), body: [body]), dialect: peer.dialect)
        sendMajordomo(route, try? command.encode())
    }

    /// An answer for a Majordomo client. Majordomo has no error replies: an error goes as the FINAL body,
    /// the JSON error object, so the client gets an answer rather than a timeout.
    mutating func majordomoAnswer(_ routingID: [UInt8], _ request: MajordomoClientMessage, _ answer: ServiceAnswer) {
        switch answer {
        case .partial(let body):
            // MDP/0.1 has no partial replies: its clients get the final answer only.
            guard request.dialect.supportsPartialReplies else { return }
            sendMajordomo(routingID, try? request.replyFrames(.partial, body: [body]))
        case .final(let body):
            sendMajordomo(routingID, try? request.replyFrames(.final, body: [body]))
        case .error(let error):
            sendMajordomo(routingID, try? request.replyFrames(.final, body: [JSONCoding.encode(error)]))
        }
    }

    /// Majordomo encoders write everything after the routing id, the empty frame included when needed.
    mutating func sendMajordomo(_ routingID: [UInt8], _ frames: [[UInt8]]?) {
        guard let frames else { return }
        sendControl(ControlEnvelope(routingID: routingID, hasDelimiter: false), frames)
    }
}
