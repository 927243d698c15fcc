import PlexusProtocol

/// The repairs: what a replay is for, how its answers are merged, when it ends.
extension GapRepair {
    /// One outstanding repair: its patterns (one `REPLAY` each, in turn), its range, what it found.
    struct Job: Sendable {
        enum Kind: Sendable {
            /// The start replay, up to the first heartbeat's head.
            case handshake(head: UInt64)
            /// A `prev` gap on one topic; the event that showed it is delivered after the repair.
            case gap(ReceivedEvent)
            /// A heartbeat's tail check up to its head.
            case tail(head: UInt64)
        }

        var kind: Kind
        /// Patterns still to replay after the current one.
        var laterPatterns: [String]
        /// Builds the first request of a pattern.
        var firstRequest: @Sendable (String) -> ReplayRequest
        var request: ReplayRequest
        /// The last seq wanted.
        var end: UInt64
        /// When to stop waiting for the log to catch up (ms).
        var deadline: Int64
        var lostSomething = false
        var repaired: UInt64 = 0

        /// The topic a loss is reported on: the gap's, or nil for the patterns.
        var topic: String? {
            if case .gap(let event) = kind { return event.topic }
            return nil
        }
    }

    mutating func beginHandshake(_ start: ReplayStart, head: UInt64, now: Int64) -> [Action] {
        awaitingFirstHeartbeat = false
        pendingStart = nil
        let patternTexts = patterns.patterns.map(\.description)
        return begin(.handshake(head: head), patterns: patternTexts, end: head, now: now) {
            start.request(pattern: $0, toSeq: head)
        }
    }

    mutating func beginGap(_ event: ReceivedEvent, from: UInt64, now: Int64) -> [Action] {
        counters.gapsSeen += 1
        let end = event.meta.seq - 1
        return begin(.gap(event), patterns: [event.topic], end: end, now: now) {
            ReplayRequest(pattern: $0, fromSeq: from, toSeq: end)
        }
    }

    mutating func beginTailCheck(from: UInt64, to head: UInt64, now: Int64) -> [Action] {
        let patternTexts = patterns.patterns.map(\.description)
        return begin(.tail(head: head), patterns: patternTexts, end: head, now: now) {
            ReplayRequest(pattern: $0, fromSeq: from, toSeq: head)
        }
    }

    private mutating func begin(
        _ kind: Job.Kind, patterns: [String], end: UInt64, now: Int64, first: @escaping @Sendable (String) -> ReplayRequest
    ) -> [Action] {
        guard let pattern = patterns.first else {
            // No pattern (a plugin without subscriptions): nothing to replay.
            let empty = Job(kind: kind, laterPatterns: [], firstRequest: first, request: first(""), end: end, deadline: now)
            return finish(empty, now: now)
        }
        let job = Job(
            kind: kind, laterPatterns: Array(patterns.dropFirst()), firstRequest: first, request: first(pattern), end: end,
            deadline: now + Self.repairWindowMilliseconds)
        self.job = job
        return [.replay(job.request, afterMilliseconds: 0)]
    }

    /// The answer to the outstanding replay.
    public mutating func replayAnswered(_ answer: ReplayAnswer, now: Int64) -> [Action] {
        guard var job else { return [] }
        var actions: [Action] = []
        for frames in answer.events {
            guard let event = ReceivedEvent(frames), patterns.matches(event.topic),
                event.meta.seq > last[event.topic] ?? 0
            else { continue }
            actions.append(deliver(event))
            if case .handshake = job.kind { continue }
            counters.eventsRepaired += 1
            job.repaired += 1
        }
        let from = job.request.fromSeq ?? 0
        for gap in answer.batch.gaps {
            let first = max(gap.first, from)
            let lastSeq = min(gap.last, job.end)
            guard first <= lastSeq else { continue }
            actions.append(lose(&job, first: first, last: lastSeq, reason: gap.reason))
        }
        let scanned = answer.batch.scannedTo
        if scanned >= job.end {
            return actions + nextPattern(job, now: now)
        }
        job.request = job.request.continuing(after: max(scanned, from > 0 ? from - 1 : 0))
        if !answer.batch.done {
            self.job = job
            return actions + [.replay(job.request, afterMilliseconds: 0)]
        }
        // Done but short of the end: the writer may be a moment behind the broker's head.
        if now < job.deadline {
            self.job = job
            return actions + [.replay(job.request, afterMilliseconds: Self.retryDelayMilliseconds)]
        }
        let first = job.request.fromSeq ?? scanned + 1
        actions.append(lose(&job, first: first, last: job.end, reason: "not in the event log after 5 s"))
        return actions + nextPattern(job, now: now)
    }

    /// The outstanding replay was refused (`ClientError.rejected`). A 410 `truncated` reports the seqs before
    /// the oldest stored as lost and goes on from there; anything else loses the rest of the range.
    public mutating func replayFailed(_ error: ProtocolError, now: Int64) -> [Action] {
        guard var job else { return [] }
        let from = job.request.fromSeq ?? 1
        if error.knownCode == .truncated, let oldest = error.details?["first_seq"]?.intValue, oldest > 0,
            UInt64(oldest) > from
        {
            let first = UInt64(oldest)
            let action = lose(&job, first: from, last: min(first - 1, job.end), reason: "removed by the log's retention")
            guard first <= job.end else { return [action] + nextPattern(job, now: now) }
            job.request.fromSeq = first
            job.request.fromTime = nil
            job.request.last = nil
            self.job = job
            return [action, .replay(job.request, afterMilliseconds: 0)]
        }
        return replayFailed(reason: "\(error.message) [\(error.error) \(error.code)]", now: now)
    }

    /// The outstanding replay could not be asked (no answer, transport error): the rest of its range is lost.
    public mutating func replayFailed(reason: String, now: Int64) -> [Action] {
        guard var job else { return [] }
        let from = job.request.fromSeq ?? 1
        guard from <= job.end else { return nextPattern(job, now: now) }
        let action = lose(&job, first: from, last: job.end, reason: "replay failed: \(reason)")
        // The other patterns would fail the same way: report the range once.
        job.laterPatterns = []
        return [action] + nextPattern(job, now: now)
    }

    private mutating func lose(_ job: inout Job, first: UInt64, last: UInt64, reason: String) -> Action {
        job.lostSomething = true
        let loss = EventLoss(topic: job.topic, first: first, last: last, reason: reason)
        counters.eventsLost += loss.count
        return .lost(loss)
    }

    /// The current pattern is done: the next one, or the end of the job.
    private mutating func nextPattern(_ job: Job, now: Int64) -> [Action] {
        var job = job
        guard let pattern = job.laterPatterns.first else { return finish(job, now: now) }
        job.laterPatterns.removeFirst()
        job.request = job.firstRequest(pattern)
        self.job = job
        return [.replay(job.request, afterMilliseconds: 0)]
    }

    private mutating func finish(_ job: Job, now: Int64) -> [Action] {
        self.job = nil
        var actions: [Action] = []
        switch job.kind {
        case .handshake(let head):
            start = max(start ?? 0, head)
            trustedHead = max(trustedHead ?? 0, head)
        case .gap(let event):
            if !job.lostSomething { counters.gapsRepaired += 1 }
            if event.meta.seq > last[event.topic] ?? 0 { actions.append(deliver(event)) }
        case .tail(let head):
            trustedHead = max(trustedHead ?? 0, head)
            if job.repaired > 0 || job.lostSomething {
                counters.gapsSeen += 1
                if !job.lostSomething { counters.gapsRepaired += 1 }
            }
        }
        return actions + drainBacklog(now: now)
    }

    /// The inputs that waited, until one starts another repair.
    private mutating func drainBacklog(now: Int64) -> [Action] {
        var actions: [Action] = []
        while job == nil, backlogStart < backlog.count {
            let event = backlog[backlogStart]
            backlogStart += 1
            actions += process(event, now: now)
        }
        if backlogStart == backlog.count {
            backlog.removeAll(keepingCapacity: true)
            backlogStart = 0
        }
        return actions
    }
}
