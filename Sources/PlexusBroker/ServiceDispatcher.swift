import PlexusProtocol

/// One finished call, for `plexus_service_request_duration_seconds` (docs/METRICS.md).
struct CallTiming: Sendable, Equatable {
    var service: String
    var outcome: CallOutcome
    /// From acceptance (queueing included) to the answer.
    var microseconds: Int64
}

/// What the broker sends a caller.
enum ServiceAnswer: Sendable, Equatable {
    case partial([UInt8])
    case final([UInt8])
    case error(ProtocolError)
}

/// Settings of one service (from topology.yaml's `services:` section, else defaults).
struct ServiceSettings: Sendable, Equatable {
    var queueLimit = 100
    var breakerFailures = 5
    var breakerCooldownMilliseconds: Int64 = 10_000
}

/// The broker's service table: which instances offer what, what is queued and in flight, and the rules
/// for dispatch, deadlines, dying instances and circuit breakers (docs/PROTOCOL.md, section 6).
///
/// A value type with no I/O: inputs are method calls with the current monotonic time, outputs are
/// actions for the broker loop (send `REQUEST`/`CANCEL` to an instance, answer a caller, publish a
/// breaker change). Unit-tested without sockets.
///
/// Callers are opaque tokens: the dispatcher stores one with each call and hands it back with the
/// answer, and knows nothing of the protocols that call. The broker's token is `BrokerCaller` (a Plexus
/// client, a Majordomo client, a task run); the unit tests use plain values.
struct ServiceDispatcher<Caller: Hashable & Sendable>: Sendable {
    enum Action: Sendable, Equatable {
        case request(instance: String, rid: String, service: String, body: [UInt8], meta: RequestMeta)
        case cancel(instance: String, rid: String)
        /// An answer for `Caller`; `from` is the instance that was handling the call, if one was.
        case answer(Caller, ServiceAnswer, from: String?)
        case breakerChanged(service: String, state: String, reason: String)
    }

    struct Call: Sendable {
        var rid: String
        var service: String
        var body: [UInt8]
        var caller: Caller
        var callerName: String
        var options: CallOptions
        /// Monotonic ms.
        var deadline: Int64
        /// µs since the epoch, for the plugin.
        var wallDeadline: Int64
        var acceptedAt: Int64
        /// Monotonic µs, for the latency histogram.
        var acceptedAtMicroseconds: Int64
        var instance: String?
        /// Only these instances may take the call (a task's fan-out or plugin filter); nil: any.
        var allowed: Set<String>?
    }

    struct Worker: Sendable {
        var instance: String
        var services: [String]
        var capacity: Int
        var inFlight: Set<String> = []
        /// The dispatch sequence number of its last request: least-recently-used goes first. A counter,
        /// not a time, so that dispatches within one millisecond still rotate.
        var lastDispatch: UInt64 = 0
        var requests: UInt64 = 0
        /// Stopping: no new requests.
        var draining = false
        /// Out of rotation because its health is critical (the reason); calls in flight finish.
        var isolated: String?
    }

    struct Service: Sendable {
        var queue: [String] = []
        var breaker: CircuitBreaker
        var stats = LatencyStats()
    }

    private(set) var calls: [String: Call] = [:]
    private(set) var workers: [String: Worker] = [:]
    private(set) var services: [String: Service] = [:]
    /// Finished calls not yet taken for the latency histogram (`takeTimings()`), at most `timingLimit`:
    /// the loop takes them every turn, so only a core without a loop (a unit test) ever reaches it.
    private(set) var timings: [CallTiming] = []
    static var timingLimit: Int { 65_536 }
    var declared: [String: ServiceSettings] = [:]
    private var nextRID: UInt64 = 0
    private var dispatchSequence: UInt64 = 0
    /// Set by `failAll`: nothing is dispatched any more (the broker is shutting down).
    private var closed = false

    private func settings(_ name: String) -> ServiceSettings { declared[name] ?? ServiceSettings() }

    private mutating func service(_ name: String) -> Service {
        if let existing = services[name] { return existing }
        let settings = settings(name)
        let created = Service(
            breaker: CircuitBreaker(
                threshold: settings.breakerFailures,
                cooldownMilliseconds: settings.breakerCooldownMilliseconds))
        services[name] = created
        return created
    }

    /// Whether an instance offers `name` now (`mmi.service`).
    func offers(_ name: String) -> Bool { workers.values.contains { $0.services.contains(name) } }

    // MARK: Calls

    /// A caller asks for `name`.
    mutating func call(
        _ name: String, body: [UInt8], caller: Caller, callerName: String, options: CallOptions,
        now: Int64, wall: Int64, only: Set<String>? = nil, queueIfUnknown: Bool = false,
        nowMicroseconds: Int64? = nil
    ) -> [Action] {
        guard !closed else {
            return [.answer(caller, .error(ProtocolError(.unavailable, "the broker is shutting down")), from: nil)]
        }
        var entry = service(name)
        let offered = workers.values.contains { $0.services.contains(name) }
        // A task's run waits for an instance like a call to a declared service: at broker start, or
        // while a plugin restarts, nobody offers it yet.
        guard offered || declared[name] != nil || queueIfUnknown else {
            entry.stats.recordRefused(.unknownService)
            services[name] = offered ? entry : nil
            return [.answer(caller, .error(.unknownService(name)), from: nil)]
        }
        let offering = workers.values.filter { $0.services.contains(name) && !$0.draining }
        if !offering.isEmpty, offering.allSatisfy({ $0.isolated != nil }) {
            // Waiting would not help the caller: every instance is out of rotation until it recovers.
            entry.stats.recordRefused(.unavailable)
            services[name] = entry
            let reasons = offering.sorted { $0.instance < $1.instance }.map { "\($0.instance): \($0.isolated!)" }
            return [
                .answer(
                    caller,
                    .error(
                        ProtocolError(
                            .unavailable,
                            "every instance of '\(name)' is critical and out of rotation (\(reasons.joined(separator: "; ")))")),
                    from: nil)
            ]
        }
        let (allowed, changed) = entry.breaker.admit(now: now)
        var actions: [Action] = []
        if let changed {
            actions.append(.breakerChanged(service: name, state: changed.rawValue, reason: "cooldown over; one trial call"))
        }
        guard allowed else {
            entry.stats.recordRefused(.breakerOpen)
            services[name] = entry
            return actions + [.answer(caller, .error(.circuitOpen(name)), from: nil)]
        }
        guard entry.queue.count < settings(name).queueLimit else {
            entry.stats.recordRefused(.queueFull)
            services[name] = entry
            return actions + [.answer(caller, .error(.queueFull(name, settings(name).queueLimit)), from: nil)]
        }
        nextRID += 1
        let rid = "r\(nextRID)"
        calls[rid] = Call(
            rid: rid, service: name, body: body, caller: caller, callerName: callerName, options: options,
            deadline: now + Int64(options.timeoutMilliseconds),
            wallDeadline: wall + Int64(options.timeoutMilliseconds) * 1000, acceptedAt: now,
            acceptedAtMicroseconds: nowMicroseconds ?? now * 1000, instance: nil, allowed: only)
        entry.queue.append(rid)
        services[name] = entry
        return actions + dispatch(name, now: now)
    }

    /// Hands queued calls of `name` to free instances, least recently used first.
    private mutating func dispatch(_ name: String, now: Int64) -> [Action] {
        guard !closed else { return [] }
        var actions: [Action] = []
        // Calls restricted to some instances (tasks) that cannot go yet stay queued without holding
        // up the calls behind them; `index` walks past them.
        var index = 0
        while index < services[name]?.queue.count ?? 0 {
            let rid = services[name]!.queue[index]
            guard let call = calls[rid] else {
                services[name]?.queue.remove(at: index)
                continue
            }
            guard let instance = leastRecentlyUsed(offering: name, among: call.allowed) else {
                if call.allowed == nil { break }
                index += 1
                continue
            }
            services[name]?.queue.remove(at: index)
            calls[rid]?.instance = instance
            workers[instance]?.inFlight.insert(rid)
            dispatchSequence += 1
            workers[instance]?.lastDispatch = dispatchSequence
            workers[instance]?.requests += 1
            let remaining = Int(max(0, call.deadline - now))
            actions.append(
                .request(
                    instance: instance, rid: rid, service: name, body: call.body,
                    meta: RequestMeta(
                        deadline: call.wallDeadline, timeoutMilliseconds: remaining, headers: call.options.headers,
                        caller: call.callerName)))
        }
        return actions
    }

    /// The free instance offering `name` (within `allowed`, if given) that was sent a request least
    /// recently. A plain loop that returns only the id: a lazy view or a copy of the worker kept alive
    /// across the caller's insert into `inFlight` would make that insert copy the whole set (and the
    /// dictionary), which is quadratic with a thousand task runs in flight.
    private func leastRecentlyUsed(offering name: String, among allowed: Set<String>?) -> String? {
        var best: (sequence: UInt64, instance: String)?
        for worker in workers.values
        where !worker.draining && worker.isolated == nil && worker.inFlight.count < worker.capacity
            && worker.services.contains(name) && (allowed?.contains(worker.instance) ?? true)
        {
            if best == nil || (worker.lastDispatch, worker.instance) < (best!.sequence, best!.instance) {
                best = (worker.lastDispatch, worker.instance)
            }
        }
        return best?.instance
    }

    // MARK: Answers from instances

    /// `PARTIAL`, `REPLY` or `FAIL` from `instance`. Late answers (after a timeout) are dropped.
    /// `nowMicroseconds` (monotonic) times the call to the microsecond; without it, `now` does.
    mutating func answer(_ message: PluginMessage, from instance: String, now: Int64, nowMicroseconds: Int64? = nil)
        -> [Action]
    {
        let rid: String
        switch message {
        case .partial(let id, _), .reply(let id, _), .fail(let id, _): rid = id
        default: return []
        }
        guard let call = calls[rid], call.instance == instance else { return [] }
        switch message {
        case .partial(_, let body):
            return [.answer(call.caller, .partial(body), from: instance)]
        case .reply(_, let body):
            return finish(rid, .final(body), outcome: .ok, now: now, nowMicroseconds: nowMicroseconds)
        case .fail(_, let error):
            return finish(rid, .error(error), outcome: .error, now: now, nowMicroseconds: nowMicroseconds)
        default:
            return []
        }
    }

    /// Ends a call: answers the caller, frees the slot, counts, and dispatches what waits.
    private mutating func finish(
        _ rid: String, _ answer: ServiceAnswer, outcome: CallOutcome, now: Int64, nowMicroseconds: Int64? = nil
    ) -> [Action] {
        guard let call = calls.removeValue(forKey: rid) else { return [] }
        // Answered by the broker going away: not the service's failure.
        let failed = outcome != .ok && outcome != .shutdown
        if let instance = call.instance { workers[instance]?.inFlight.remove(rid) }
        services[call.service]?.queue.removeAll { $0 == rid }
        var actions: [Action] = [.answer(call.caller, answer, from: call.instance)]
        let microseconds = max(0, (nowMicroseconds ?? now * 1000) - call.acceptedAtMicroseconds)
        services[call.service]?.stats.record(microseconds: microseconds, outcome: outcome)
        if timings.count < Self.timingLimit {
            timings.append(CallTiming(service: call.service, outcome: outcome, microseconds: microseconds))
        }
        // A handler's 4xx is an answer (a bad request, a missing record), not a sign that the service is sick.
        var sick = failed
        if case .error(let error) = answer, error.code < 500 { sick = false }
        let changed =
            sick ? services[call.service]?.breaker.recordFailure(now: now) : services[call.service]?.breaker.recordSuccess()
        if let changed = changed ?? nil {
            actions.append(
                .breakerChanged(
                    service: call.service, state: changed.rawValue,
                    reason: failed
                        ? "\(services[call.service]?.breaker.consecutiveFailures ?? 0) failures in a row" : "a call succeeded"))
        }
        for service in workers[call.instance ?? ""]?.services ?? [call.service] { actions += dispatch(service, now: now) }
        return actions
    }

    // MARK: Instances

    /// An instance offering services registered (or registered again).
    mutating func workerAdded(_ instance: String, services offered: [String], capacity: Int, now: Int64) -> [Action] {
        var actions: [Action] = []
        if workers[instance] != nil { actions += workerRemoved(instance, now: now) }
        guard !offered.isEmpty else { return actions }
        workers[instance] = Worker(instance: instance, services: offered, capacity: capacity)
        for name in offered {
            _ = service(name)
            actions += dispatch(name, now: now)
        }
        return actions
    }

    /// The instance is stopping: it finishes what it has and gets nothing new.
    /// Takes `instance` out of rotation (a reason) or puts it back (nil): no new calls go to an isolated
    /// instance; back in rotation, it gets the calls that waited for it.
    mutating func setIsolated(_ instance: String, reason: String?, now: Int64) -> [Action] {
        guard let worker = workers[instance], (worker.isolated == nil) != (reason == nil) else {
            if reason != nil { workers[instance]?.isolated = reason }
            return []
        }
        workers[instance]?.isolated = reason
        guard reason == nil else { return [] }
        return worker.services.flatMap { dispatch($0, now: now) }
    }

    /// Whether `instance` is out of rotation.
    func isIsolated(_ instance: String) -> Bool { workers[instance]?.isolated != nil }

    mutating func workerDraining(_ instance: String) {
        workers[instance]?.draining = true
    }

    /// The instance went away: its idempotent calls go back to the front of their queues, the others fail.
    mutating func workerRemoved(_ instance: String, now: Int64) -> [Action] {
        guard let worker = workers.removeValue(forKey: instance) else { return [] }
        var actions: [Action] = []
        for rid in worker.inFlight.sorted() {
            guard let call = calls[rid] else { continue }
            if call.options.idempotent {
                calls[rid]?.instance = nil
                services[call.service]?.queue.insert(rid, at: 0)
            } else {
                calls[rid]?.instance = nil
                actions += finish(rid, .error(.instanceLost(call.service, instance)), outcome: .instanceLost, now: now)
            }
        }
        for name in worker.services { actions += dispatch(name, now: now) }
        return actions
    }

    // MARK: Time

    /// Calls whose deadline passed: queued ones are dropped unstarted, running ones cancelled; callers get 504.
    mutating func tick(now: Int64) -> [Action] {
        var actions: [Action] = []
        for (rid, call) in calls.sorted(by: { $0.key < $1.key }) where call.deadline <= now {
            if let instance = call.instance { actions.append(.cancel(instance: instance, rid: rid)) }
            actions += finish(
                rid, .error(.deadline(call.service, call.options.timeoutMilliseconds)), outcome: .timeout, now: now)
        }
        return actions
    }

    /// Answers every open call with `error` (the broker is going away): no caller is left to time out.
    mutating func failAll(_ error: ProtocolError, now: Int64) -> [Action] {
        closed = true
        var actions: [Action] = []
        for (rid, call) in calls.sorted(by: { $0.key < $1.key }) {
            if let instance = call.instance { actions.append(.cancel(instance: instance, rid: rid)) }
            actions += finish(rid, .error(error), outcome: .shutdown, now: now)
        }
        return actions
    }

    /// Drops the calls of the callers that `matches` selects (a task run canceled, replaced or timed
    /// out) without answering: instances working on them get `CANCEL`, queued ones never start. Nothing
    /// counts against the service.
    mutating func abandon(now: Int64, where matches: (Caller) -> Bool) -> [Action] {
        var actions: [Action] = []
        for (rid, call) in calls.sorted(by: { $0.key < $1.key }) {
            guard matches(call.caller) else { continue }
            calls[rid] = nil
            services[call.service]?.queue.removeAll { $0 == rid }
            if let instance = call.instance {
                workers[instance]?.inFlight.remove(rid)
                actions.append(.cancel(instance: instance, rid: rid))
                for service in workers[instance]?.services ?? [] { actions += dispatch(service, now: now) }
            }
        }
        return actions
    }

    /// Instances ready for requests to `name` (not draining), for a fan-out to all of them.
    func readyInstances(of name: String) -> [String] {
        // Isolated instances (critical health) get no task runs either, until they recover.
        workers.values.filter { $0.services.contains(name) && !$0.draining && $0.isolated == nil }.map(\.instance).sorted()
    }

    /// The earliest call deadline (monotonic ms), for the loop's timer.
    var nextDeadline: Int64? { calls.values.map(\.deadline).min() }

    // MARK: Reports

    /// Hands over the timings of the calls finished since the last call, for the latency histogram.
    mutating func takeTimings() -> [CallTiming] {
        defer { timings.removeAll(keepingCapacity: true) }
        return timings
    }

    var snapshot: [ServiceInfo] {
        services.keys.sorted().compactMap { name -> ServiceInfo? in
            guard let service = services[name] else { return nil }
            let instances = workers.values.filter { $0.services.contains(name) }.sorted { $0.instance < $1.instance }
            let inFlight = calls.values.filter { $0.service == name && $0.instance != nil }.count
            return ServiceInfo(
                name: name, breaker: service.breaker.state.rawValue, requests: service.stats.requests,
                errors: service.stats.errors,
                inFlight: inFlight, queued: service.queue.count, averageMilliseconds: service.stats.average,
                p99Milliseconds: service.stats.p99, p50Milliseconds: service.stats.percentile(0.5),
                instances: instances.map {
                    ServiceInfo.Instance(
                        instance: $0.instance, inFlight: $0.inFlight.count, requests: $0.requests, capacity: $0.capacity)
                })
        }
    }
}
