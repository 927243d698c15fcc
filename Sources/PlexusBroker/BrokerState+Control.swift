import Logging
import PlexusMajordomo
import PlexusProcess
import PlexusProtocol
import PlexusSupervisor
import PlexusTopology

/// The control endpoint: client requests (`PLXC01`) and plugin sessions (`PLXP01`).
extension BrokerState {
    /// One message from the control ROUTER (routing id first): a client command, a plugin session
    /// message or a Majordomo message. Returns what to send and publish.
    ///
    /// `peer` is the sender's authenticated identity (CURVE on, a TCP peer); the handling of this
    /// message sees it as `self.peer`.
    mutating func control(_ frames: [[UInt8]], peer: PeerIdentity? = nil) -> [BrokerEffect] {
        self.peer = peer
        defer { self.peer = nil }
        handleControl(frames)
        return takeEffects()
    }

    private mutating func handleControl(_ frames: [[UInt8]]) {
        guard let (envelope, body) = ControlEnvelope.split(frames) else { return }
        let wall = Clock.wallMicroseconds()
        let monotonic = Clock.monotonicMilliseconds()
        // Any message from a session's connection is a sign of life.
        let hasSession = registry.touch(route: envelope.routingID, wall: wall, monotonic: monotonic)
        if MajordomoInbound.isMajordomo(frames.dropFirst()) {
            handleMajordomo(envelope.routingID, frames.dropFirst(), wall: wall, monotonic: monotonic)
            return
        }
        let message: ControlMessage
        do throws(ControlDecodingError) {
            message = try ControlMessage.decode(body)
        } catch {
            counters.controlRequest(BrokerCounters.invalidCommand)
            badInput.record(
                "control", error.error.message, metadata: ["code": "\(error.error.code)"], now: monotonic, logger: logger)
            sendControl(envelope, error.reply)
            return
        }
        switch message {
        case .client(let request):
            counters.controlRequest(request.command.name)
            guard
                authorized(
                    .command(request.command.requiredAccess), envelope: envelope,
                    reply: { ClientReply.error(requestID: request.requestID, $0).encode() })
            else { return }
            switch request.command {
            case .call(let service, let body, let options):
                // Answered later, by the instance that handles it (or by a deadline).
                call(service, body: body, options: options, from: envelope, requestID: request.requestID)
            case .publish(let event):
                acknowledgedPublish(event, from: envelope, requestID: request.requestID)
            case .events, .replay, .durable:
                emit(.eventStore(request.command, to: envelope, requestID: request.requestID))
            case .metrics:
                // The registry lives with the loop: it brings the figures up to date, then answers.
                emit(.metrics(to: envelope, requestID: request.requestID, snapshot: metricsSnapshot()))
            case .audit(let query):
                emit(.auditQuery(query, to: envelope, requestID: request.requestID))
            default:
                let reply = answer(request, from: envelope)
                if case .error(_, let error) = reply { noteClientError(error, command: request.command.name) }
                // Recorded (and fsynced) before the answer is queued: an answered command is on disk.
                auditCommand(request, reply: reply, from: envelope)
                sendControl(envelope, reply.encode())
            }
        case .plugin(let pluginMessage):
            // Session messages are the sender's own business (identity binding checks REGISTER); what a
            // registration offers is checked as `serve`.
            handlePlugin(pluginMessage, from: envelope, hasSession: hasSession, wall: wall, monotonic: monotonic)
        }
    }

    /// The policy point for the control endpoint: asks `policy` about `request` from the connection's
    /// sender; a refusal is a violation (counted, logged, published and audited by `refusal`,
    /// aggregated so that a loop of refused commands cannot flood the audit log with fsyncs), answered
    /// when `reply` can build an answer.
    mutating func authorized(
        _ request: PolicyRequest, envelope: ControlEnvelope, reply: ((ProtocolError) -> [[UInt8]])?
    ) -> Bool {
        let session = registry.session(route: envelope.routingID)
        guard let error = refusal(request, from: peer, sessionInstance: session?.instance) else { return true }
        if let reply { sendControl(envelope, reply(error)) }
        return false
    }

    /// Counts an answer of 404 or 409, the errors a correct client meets in normal use (a plugin that is
    /// not there, a task already paused). Malformed input is counted where it is decoded, as `malformed`.
    private mutating func noteClientError(_ error: ProtocolError, command: String) {
        guard error.code == ErrorCode.notFound.rawValue || error.code == ErrorCode.conflict.rawValue else { return }
        clientErrors.record(
            error.error, "\(command): \(error.message)", metadata: ["code": "\(error.code)"],
            now: Clock.monotonicMilliseconds(), logger: logger, label: "client error")
    }

    /// `PUBLISH`: checked here, stamped by the event path, which then answers with the sequence number.
    private mutating func acknowledgedPublish(_ event: PublishRequest, from envelope: ControlEnvelope, requestID id: [UInt8]) {
        guard !Topic.isReserved(event.topic) else {
            sendControl(
                envelope,
                ClientReply.error(
                    requestID: id, ProtocolError.bad("topic '\(event.topic)' is reserved for the broker (plexus.…)")
                )
                .encode())
            return
        }
        let (headerSource, others) = EventCodec.splitSource(event.headers)
        if let headerSource, let problem = EventCodec.sourceProblem(headerSource) {
            sendControl(envelope, ClientReply.error(requestID: id, ProtocolError.bad(problem)).encode())
            return
        }
        let size = event.topic.utf8.count + event.payload.count + JSONCoding.encode(event.headers).count
        guard size <= configuration.maxEventBytes else {
            let error = ProtocolError(
                .tooLarge, "event has \(size) bytes; the limit is \(configuration.maxEventBytes) (broker.max_event_bytes)")
            sendControl(envelope, ClientReply.error(requestID: id, error).encode())
            return
        }
        var source = registry.session(route: envelope.routingID)?.instance ?? headerSource ?? PlexusConstants.anonymousSource
        // Identity binding (CURVE on): as on events_in, the source is the sender's.
        if let peer, registry.session(route: envelope.routingID) == nil {
            if let headerSource, !sourceAllowed(headerSource, name: peer.name, instance: peer.instance) {
                let error = ProtocolError(
                    .forbidden, "source '\(headerSource)' is not the sender '\(peer.instance ?? peer.name)'")
                badInput.record("source", "event refused: \(error.message)", now: Clock.monotonicMilliseconds(), logger: logger)
                sendControl(envelope, ClientReply.error(requestID: id, error).encode())
                return
            }
            source = headerSource ?? peer.instance ?? peer.name
        }
        let stamped = BrokerEvent(
            topic: event.topic, payload: event.payload, source: source,
            headersJSON: others.isEmpty ? nil : JSONCoding.encode(others))
        emit(.publishAcknowledged(stamped, to: envelope, requestID: id))
    }

    // MARK: Client protocol

    private mutating func answer(_ request: ClientRequest, from envelope: ControlEnvelope) -> ClientReply {
        let id = request.requestID
        let page = request.page ?? PageRequest()
        switch request.command {
        case .ping:
            let uptime = Double(Clock.monotonicMilliseconds() - startedMonotonic) / 1000
            return .ok(
                requestID: id,
                body: [
                    JSONCoding.encode(
                        PingReply(
                            time: Clock.wallMicroseconds(), broker: brokerID, version: PlexusConstants.version,
                            uptimeSeconds: uptime, ready: readiness.isEmpty, notReady: readiness))
                ])
        case .discover:
            return .ok(
                requestID: id,
                body: [
                    JSONCoding.encode(
                        DiscoverReply(
                            broker: brokerID, control: endpoints.control, eventsIn: endpoints.eventsIn,
                            eventsOut: endpoints.eventsOut,
                            heartbeatMilliseconds: configuration.heartbeatIntervalMilliseconds,
                            liveness: configuration.heartbeatLiveness,
                            maxMessageBytes: Int(PlexusConstants.maxMessageBytes), maxEventBytes: configuration.maxEventBytes,
                            curvePublicKey: curve?.serverPublicKey, ipc: ipcEndpoints))
                ])
        case .publish:
            preconditionFailure("PUBLISH is answered by the event path")
        case .plugins:
            return .ok(
                requestID: id,
                body: Page.encode(registry.snapshot(monotonic: Clock.monotonicMilliseconds()).map(withHealth), page))
        case .status:
            return .ok(requestID: id, body: Page.encode(status(), page))
        case .lifecycle(let verb, let plugin):
            do throws(ProtocolError) {
                return .ok(requestID: id, body: try lifecycle(verb, plugin))
            } catch {
                return .error(requestID: id, error)
            }
        case .apply(let yaml, let baseDirectory, let dryRun):
            do throws(ProtocolError) {
                return .ok(
                    requestID: id,
                    body: [JSONCoding.encode(try apply(yaml: yaml, baseDirectory: baseDirectory, dryRun: dryRun))])
            } catch {
                return .error(requestID: id, error)
            }
        case .logs(let plugin, let since, let limit):
            guard
                plugin == "*" || supervisor.topology.plugin(plugin) != nil || !supervisor.instances(of: plugin).isEmpty
                    || logs.holds(plugin: plugin)
            else {
                return .error(
                    requestID: id,
                    ProtocolError(
                        .notFound, "no supervised plugin named '\(plugin)' (only plugins the broker starts have captured logs)"))
            }
            let (lines, next) = logs.read(plugin: plugin == "*" ? nil : plugin, since: since, limit: limit)
            return .ok(requestID: id, body: [JSONCoding.encode(LogsReply(lines: lines, next: next))])
        case .services:
            return .ok(requestID: id, body: Page.encode(dispatcher.snapshot, page))
        case .tasks(let verb, let argument):
            return answerTasks(verb, argument, requestID: id)
        case .call:
            preconditionFailure("CALL is answered by the dispatcher")
        case .stats:
            return .ok(requestID: id, body: stats(page))
        case .shutdown:
            // The loop sees the flag after this turn's effects, so the answer leaves first.
            shutdownRequested = true
            logger.notice("shutdown requested by a client")
            return .ok(
                requestID: id,
                body: [
                    JSONCoding.encode(
                        ShutdownReply(broker: brokerID, instances: supervisor.instances.values.filter(\.hasProcess).count))
                ])
        case .subscriber(let report):
            subscribers.record(report, now: Clock.wallMicroseconds())
            return .ok(requestID: id, body: [Array("{}".utf8)])
        case .events, .replay, .durable:
            preconditionFailure("\(request.command.name) is answered by the event store")
        case .metrics:
            preconditionFailure("METRICS is answered by the loop")
        case .audit:
            preconditionFailure("AUDIT is answered by the loop")
        }
    }

    /// `STATS`: the counters, with one page of the per-topic counters (by topic name) and its `PageInfo`.
    private mutating func stats(_ page: PageRequest) -> [[UInt8]] {
        let names = events.statistics.counters.keys.sorted()
        let start = min(page.offset, names.count)
        let shown = names[start..<min(names.count, start + page.limit)]
        var topics: [String: TopicStats] = [:]
        for name in shown { topics[name] = events.statistics.counters[name]?.snapshot }
        let next = start + shown.count < names.count ? start + shown.count : nil
        let reply = StatsReply(
            eventsIn: events.statistics.eventsIn, eventsOut: events.statistics.eventsOut, dropped: events.statistics.dropped,
            malformed: badInput.counts, clientErrors: clientErrors.counts, topics: topics,
            subscriptions: events.statistics.subscriptionCount,
            taskJitter: StatsReply.TaskJitter(
                runs: tasks.jitter.requests, p50Milliseconds: tasks.jitter.percentile(0.5), p99Milliseconds: tasks.jitter.p99),
            taskStorage: taskStorageStats, topicCount: names.count,
            limits: StatsReply.Limits(
                maxEventBytes: configuration.maxEventBytes, eventQueueDepth: Int(configuration.eventQueueDepth),
                maxSessions: configuration.maxSessions, maxTrackedTopics: configuration.maxTrackedTopics))
        var full = reply
        full.eventLog = eventLogState
        full.subscribers = subscribers.listed(now: Clock.wallMicroseconds())
        if curve != nil { full.violations = violations.counts }
        return [
            JSONCoding.encode(full),
            JSONCoding.encode(PageInfo(total: names.count, offset: start, returned: shown.count, nextOffset: next)),
        ]
    }

    // MARK: Plugin sessions

    private mutating func handlePlugin(
        _ message: PluginMessage, from envelope: ControlEnvelope, hasSession: Bool,
        wall: Int64, monotonic: Int64
    ) {
        if case .register(let registration) = message {
            register(registration, from: envelope, wall: wall, monotonic: monotonic)
            return
        }
        guard hasSession else {
            // Typically a plugin that outlived a broker restart: tell it to register again.
            badInput.record("plugin", "\(message.name) from a connection without a session", now: monotonic, logger: logger)
            sendControl(envelope, BrokerMessage.error(ProtocolError(.notRegistered, "no session: send REGISTER first")).encode())
            return
        }
        switch message {
        case .register: break
        case .heartbeat: break  // already counted as a sign of life
        case .health(let report):
            if let session = registry.session(route: envelope.routingID) { healthReported(report, instance: session.instance) }
        case .partial, .reply, .fail:
            if let session = registry.session(route: envelope.routingID) { serviceAnswer(message, from: session.instance) }
        case .ready:
            if let session = registry.setState(.running, route: envelope.routingID) {
                logger.info("plugin running", metadata: session.logMetadata)
                // Supervised instances get their running event from the supervisor, with its fields.
                if session.attached { publishLifecycle("plexus.plugin.running", session: session) }
                // Requests go only to instances that are ready for them.
                servicesJoined(session.registration)
                supervisorReady(session.instance)
            }
        case .goodbye(let reason):
            if var session = registry.remove(route: envelope.routingID) {
                session.state = .stopping
                logger.info("plugin said goodbye", metadata: session.logMetadata.merging(["reason": "\(reason ?? "")"]) { $1 })
                // A supervised instance is stopped when its process exits; the supervisor says so then.
                if session.attached { publishLifecycle("plexus.plugin.stopped", session: session, reason: reason ?? "goodbye") }
                servicesLeft(session.instance)
                supervisorSessionEnded(session.instance, lost: false)
            }
        }
    }

    private mutating func register(_ registration: Registration, from envelope: ControlEnvelope, wall: Int64, monotonic: Int64) {
        var registration = registration
        // Checked here and then forgotten: the token never reaches the registry, a reply, an event or a log.
        let presentedToken = registration.token
        registration.token = nil
        func refuse(_ error: ProtocolError) {
            badInput.record(
                "registration", error.message, metadata: ["instance": "\(registration.instance)"], now: monotonic, logger: logger)
            audit(
                "register", target: registration.instance,
                actor: AuditActor(name: peer?.name ?? registration.name, key: peer?.key, address: peer?.address, via: "control"),
                decision: "denied", result: error.description, durable: true)
            sendControl(envelope, BrokerMessage.error(error).encode())
        }
        // Identity binding (CURVE on): the name, and for a key the broker issued the instance id, are the
        // ones the key was admitted as.
        if let problem = identityProblem(registration) {
            refuse(ProtocolError(.forbidden, problem))
            return
        }
        // Permissions: every service the registration offers needs `serve`. Refused whole, so that a
        // plugin never runs believing it serves what the broker will not route to it.
        for service in registration.services {
            if let error = refusal(.serve(service: service), from: peer, sessionInstance: registration.instance) {
                sendControl(envelope, BrokerMessage.error(error).encode())
                return
            }
        }
        if let owner = supervisor.instances[registration.instance] {
            guard let pid = owner.pid, let credential = registrationTokens[registration.instance], credential.pid == pid else {
                refuse(
                    ProtocolError(
                        .conflict,
                        "instance id '\(registration.instance)' belongs to supervised plugin '\(owner.plugin)', which has "
                            + "no running process; only the process the broker starts may register it"))
                return
            }
            guard credential.token.matches(presentedToken) else {
                refuse(
                    ProtocolError(
                        .forbidden,
                        "instance id '\(registration.instance)' belongs to the process the broker started for plugin "
                            + "'\(owner.plugin)'; REGISTER for it must carry that process's \(RegistrationToken.environmentVariable)"
                    ))
                return
            }
            // The token proved it: the session is that process's, whatever pid the peer reported.
            registration.pid = pid
        }
        // A bound on sessions, not only on connections: each session costs the broker memory.
        if registry.session(instance: registration.instance) == nil, registry.session(route: envelope.routingID) == nil,
            registry.count >= configuration.maxSessions
        {
            refuse(
                ProtocolError(
                    .unavailable,
                    "the broker holds \(registry.count) sessions, its limit (broker.max_sessions: \(configuration.maxSessions))"))
            return
        }
        let supervisedName = supervisorRegistered(registration)
        if let supervisedName, supervisedName != registration.name {
            logger.info(
                "plugin registered as '\(registration.name)'; the topology calls it '\(supervisedName)'",
                metadata: ["instance": "\(registration.instance)"])
            registration.name = supervisedName
        }
        let outcome = registry.register(
            registration, routingID: envelope.routingID, attached: supervisedName == nil, wall: wall,
            monotonic: monotonic)
        guard let session = registry.session(instance: registration.instance) else { return }
        if case .replaced(let previous) = outcome {
            publishLifecycle(
                "plexus.plugin.stopped", session: previous, reason: "replaced by \(registration.instance) on the same connection")
            servicesLeft(previous.instance)
            supervisorSessionEnded(previous.instance, lost: false)
        }
        let welcome = Welcome(
            instance: registration.instance, broker: brokerID,
            config: configBlock(for: registration.name, supervised: supervisedName != nil, instance: registration.instance),
            heartbeatMilliseconds: configuration.heartbeatIntervalMilliseconds, liveness: configuration.heartbeatLiveness,
            eventsIn: eventEndpoints(forInstance: registration.instance).eventsIn,
            eventsOut: eventEndpoints(forInstance: registration.instance).eventsOut)
        sendControl(envelope, BrokerMessage.welcome(welcome).encode())
        logger.info(outcome == .reconnected ? "plugin re-registered" : "plugin registered", metadata: session.logMetadata)
        publishLifecycle("plexus.plugin.registered", session: session)
        // A re-registration ends the old session's requests; new ones wait for READY.
        servicesLeft(registration.instance)
    }

    /// The `config:` block a new session gets. A verified supervised instance gets its plugin's block; an
    /// attached peer gets the block of its name only when the topology does not launch that plugin (no
    /// `command`: a configured-only plugin that attaches by itself),
    /// so that knowing a supervised plugin's name is not enough to read its config (and secrets).
    private mutating func configBlock(for name: String, supervised: Bool, instance: String) -> JSONValue {
        guard let spec = supervisor.topology.plugin(name) else { return .object([:]) }
        if supervised || !spec.isLaunched { return spec.config }
        logger.warning(
            "an attached peer registered under the name of a supervised plugin; it gets no config block",
            metadata: ["plugin": "\(name)", "instance": "\(instance)"])
        return .object([:])
    }
}
