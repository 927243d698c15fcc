import Foundation

/// Starting, finishing, skipping and canceling runs of one task.
extension ScheduledTask {
    /// A fire is due at `scheduledAt` (or a manual trigger): apply the concurrency policy and start.
    mutating func fire(scheduledAt: Date, now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        // Pending retries count as "still going": the earlier run has not reached its final outcome.
        let busy = runtime.activeRuns.map(\.runID)
        if !busy.isEmpty || !runtime.pendingRetries.isEmpty {
            switch compiled.concurrency {
            case .allow:
                break
            case .forbid:
                let what =
                    busy.isEmpty ? "a retry of the previous run is pending" : "run \(busy.joined(separator: ", ")) still running"
                return skip(scheduledAt: scheduledAt, now: now, reason: "\(what) (concurrency forbid)")
            case .replace:
                actions += cancelActive(now: now, reason: "replaced by the run scheduled at \(scheduledAt)")
                runtime.pendingRetries.removeAll()
            }
        }
        runtime.runCount.saturatingIncrement()
        runtime.lastFire = scheduledAt
        actions += startAttempt(scheduledAt: scheduledAt, attempt: 1, now: now)
        return actions
    }

    /// Records a fire that did not run and announces it.
    mutating func skip(scheduledAt: Date, now: Date, reason: String) -> [SchedulerAction] {
        let runID = nextRunID()
        runtime.record(
            RunRecord(
                runID: runID, scheduledAt: scheduledAt, startedAt: now, finishedAt: now,
                attempt: 1, outcome: .skipped, error: reason, instances: [:]))
        return [
            .publishEvent(TaskEvent(topic: TaskEvent.skipped, taskID: id, runID: runID, scheduledAt: scheduledAt, reason: reason))
        ]
    }

    mutating func startAttempt(scheduledAt: Date, attempt: Int, now: Date) -> [SchedulerAction] {
        let run = ActiveRun(
            runID: nextRunID(), scheduledAt: scheduledAt, startedAt: now, attempt: attempt,
            deadline: now.addingTimeInterval(definition.timeout))
        let order = RunOrder(
            taskID: id, runID: run.runID, scheduledAt: scheduledAt, target: compiled.target,
            payload: definition.payload, attempt: attempt, deadline: run.deadline)
        var actions: [SchedulerAction] = [
            .startRun(order),
            .publishEvent(
                TaskEvent(topic: TaskEvent.started, taskID: id, runID: run.runID, scheduledAt: scheduledAt, attempt: attempt)),
        ]
        if case .topic = compiled.target {
            // Publishing has no answer to wait for: the run is done once the broker publishes it.
            actions += finish(run, outcome: .succeeded, error: nil, now: now)
        } else {
            runtime.activeRuns.append(run)
        }
        return actions
    }

    /// Cancels every run in flight (replace, cancel, remove). Canceled runs are not retried.
    mutating func cancelActive(now: Date, reason: String) -> [SchedulerAction] {
        let runs = runtime.activeRuns
        runtime.activeRuns.removeAll()
        return runs.flatMap { run in
            [.cancelRun(taskID: id, runID: run.runID, reason: reason)] + finish(run, outcome: .canceled, error: reason, now: now)
        }
    }

    /// Records an instance's answer; finishes the run when it has all the answers it waits for.
    mutating func instanceFinished(runID: String, instance: String, result: InstanceResult, now: Date) -> [SchedulerAction]? {
        guard let index = runtime.activeRuns.firstIndex(where: { $0.runID == runID }) else { return nil }
        runtime.activeRuns[index].results[instance] = result
        let run = runtime.activeRuns[index]
        let complete: Bool
        if let expected = run.expectedInstances {
            complete = expected.allSatisfy { run.results[$0] != nil }
        } else {
            // Without a dispatch list only a `one` run knows that its first answer is its last.
            if case .service(_, .one, _) = compiled.target { complete = true } else { complete = false }
        }
        return complete ? finishActive(at: index, now: now) : []
    }

    /// The broker reports which instances a run went to.
    mutating func runDispatched(runID: String, instances: [String], now: Date) -> [SchedulerAction]? {
        guard let index = runtime.activeRuns.firstIndex(where: { $0.runID == runID }) else { return nil }
        runtime.activeRuns[index].expectedInstances = instances
        let run = runtime.activeRuns[index]
        return instances.allSatisfy({ run.results[$0] != nil }) ? finishActive(at: index, now: now) : []
    }

    /// The broker reports the run over with these answers; expected instances missing from them timed out.
    mutating func runFinished(runID: String, results: [String: InstanceResult], now: Date) -> [SchedulerAction]? {
        guard let index = runtime.activeRuns.firstIndex(where: { $0.runID == runID }) else { return nil }
        runtime.activeRuns[index].results.merge(results) { _, new in new }
        return finishActive(at: index, now: now)
    }

    /// Times out runs whose deadline passed.
    mutating func expireRuns(now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        while let index = runtime.activeRuns.firstIndex(where: { $0.deadline <= now }) {
            let run = runtime.activeRuns[index]
            actions.append(.cancelRun(taskID: id, runID: run.runID, reason: "timed out after \(definition.timeout)s"))
            if run.results.isEmpty && run.expectedInstances == nil {
                runtime.activeRuns.remove(at: index)
                actions += finish(run, outcome: .timedOut, error: "timed out after \(definition.timeout)s", now: now)
            } else {
                actions += finishActive(at: index, now: now)
            }
        }
        return actions
    }

    /// Removes a run from the active list and finishes it from its instance results.
    private mutating func finishActive(at index: Int, now: Date) -> [SchedulerAction] {
        var run = runtime.activeRuns.remove(at: index)
        for instance in run.expectedInstances ?? [] where run.results[instance] == nil {
            run.results[instance] = .timedOut
        }
        let (outcome, error) = Self.aggregate(run.results)
        return finish(run, outcome: outcome, error: error, now: now)
    }

    /// A run succeeds only if somebody answered and every answer is a success.
    static func aggregate(_ results: [String: InstanceResult]) -> (RunOutcome, String?) {
        if results.isEmpty { return (.failed, "no instance answered") }
        let bad = results.sorted { $0.key < $1.key }.filter { $0.value.status != .success }
        if bad.isEmpty { return (.succeeded, nil) }
        let message = bad.map { "\($0.key): \($0.value.message ?? $0.value.status.rawValue)" }.joined(separator: "; ")
        let outcome: RunOutcome = bad.allSatisfy { $0.value.status == .timedOut } ? .timedOut : .failed
        return (outcome, message)
    }

    /// Records a finished attempt, schedules a retry for a failure with attempts left, and announces it.
    mutating func finish(_ run: ActiveRun, outcome: RunOutcome, error: String?, now: Date) -> [SchedulerAction] {
        runtime.record(
            RunRecord(
                runID: run.runID, scheduledAt: run.scheduledAt, startedAt: run.startedAt, finishedAt: now,
                attempt: run.attempt, outcome: outcome, error: error, instances: run.results))
        var event = TaskEvent(
            topic: TaskEvent.completed, taskID: id, runID: run.runID, scheduledAt: run.scheduledAt,
            attempt: run.attempt, reason: error)
        switch outcome {
        case .canceled, .skipped:
            // A canceled run says nothing about the task's health; the cancelRun action is the news.
            return []
        case .succeeded:
            runtime.durations.add(now.timeIntervalSince(run.startedAt))
            runtime.lastRunFailed = false
        case .failed, .timedOut:
            runtime.durations.add(now.timeIntervalSince(run.startedAt))
            runtime.lastError = error
            event.topic = TaskEvent.failed
            if run.attempt <= definition.retries {
                let dueAt = now.addingTimeInterval(backoff(afterAttempt: run.attempt))
                runtime.pendingRetries.append(PendingRetry(scheduledAt: run.scheduledAt, attempt: run.attempt + 1, dueAt: dueAt))
                event.retryAt = dueAt
            } else {
                runtime.failureCount.saturatingIncrement()
                runtime.lastRunFailed = true
            }
        }
        return [.publishEvent(event)]
    }

    /// Exponential backoff: `retry_backoff × 2^(attempt−1)`, capped at `retry_backoff_max`.
    func backoff(afterAttempt attempt: Int) -> TimeInterval {
        // `attempt` may come from a database row: no arithmetic on it before it is known to be > 1.
        let factor = attempt > 1 ? pow(2.0, Double(min(attempt - 1, 60))) : 1
        return min(definition.retryBackoff * factor, definition.retryBackoffMax)
    }

    private mutating func nextRunID() -> String {
        runtime.runSequence.saturatingIncrement()
        return "\(id)#\(runtime.runSequence)"
    }
}

extension Int {
    /// Adds one, staying at `Int.max`: counters restored from a database must not trap.
    mutating func saturatingIncrement() {
        if self < .max { self += 1 }
    }
}
