import Foundation

/// Clock-driven work and user commands for one task.
extension ScheduledTask {
    /// Times out overdue runs, starts due retries and fires the schedule if due.
    mutating func tick(now: Date) -> [SchedulerAction] {
        guard !runtime.state.isTerminal else { return [] }
        var actions = expireRuns(now: now)
        if !runtime.isPaused {
            let due = runtime.pendingRetries.filter { $0.dueAt <= now }.sorted { $0.dueAt < $1.dueAt }
            runtime.pendingRetries.removeAll { $0.dueAt <= now }
            for retry in due {
                actions += startAttempt(scheduledAt: retry.scheduledAt, attempt: retry.attempt, now: now)
            }
            if let next = runtime.nextFire, next <= now {
                actions += fire(scheduledAt: next, now: now)
                // Fires that a late tick overslept collapse into this one; downtime is recover's job.
                runtime.nextFire = nextFire(after: max(next, now))
            }
        }
        refreshState()
        return actions
    }

    /// Stops fires until `resume`; runs in flight carry on.
    mutating func pause() throws(TaskError) {
        try requireLive("pause")
        guard !runtime.isPaused else { throw TaskError(.invalidState, "task '\(id)' is already paused") }
        runtime.isPaused = true
        refreshState()
    }

    /// Resumes fires from now on. Fires that fell in the pause are dropped, not caught up:
    /// pausing means "do not run".
    mutating func resume(now: Date) throws(TaskError) {
        try requireLive("resume")
        guard runtime.isPaused else { throw TaskError(.invalidState, "task '\(id)' is not paused") }
        runtime.isPaused = false
        if let next = runtime.nextFire, next <= now { runtime.nextFire = nextFire(after: now) }
        refreshState()
    }

    /// Cancels runs in flight and ends the task for good.
    mutating func cancel(now: Date) throws(TaskError) -> [SchedulerAction] {
        try requireLive("cancel")
        let actions = cancelActive(now: now, reason: "task canceled")
        runtime.pendingRetries.removeAll()
        runtime.nextFire = nil
        runtime.state = .canceled
        return actions
    }

    /// Runs now, outside the schedule (also while paused and outside the window), under the
    /// concurrency policy. It counts as a run, so `max_runs` still limits it.
    mutating func trigger(now: Date) throws(TaskError) -> [SchedulerAction] {
        try requireLive("trigger")
        if let maxRuns = definition.maxRuns, runtime.runCount >= maxRuns {
            throw TaskError(.invalidState, "task '\(id)' has reached max_runs \(maxRuns)")
        }
        let actions = fire(scheduledAt: now, now: now)
        if runtime.nextFire != nil { runtime.nextFire = nextFire(after: now) }
        refreshState()
        return actions
    }

    /// After downtime (`lastSeen` … `now`): runs in flight died with the broker, and fires missed
    /// in between are handled by the misfire policy. A `once` task missed under `skip` ends
    /// `completed` with no run: its only fire is gone.
    mutating func recover(lastSeen: Date, now: Date) -> [SchedulerAction] {
        guard !runtime.state.isTerminal else { return [] }
        var actions: [SchedulerAction] = []
        let lost = runtime.activeRuns
        runtime.activeRuns.removeAll()
        for run in lost {
            actions += finish(run, outcome: .failed, error: "interrupted: the broker was down", now: now)
        }
        if !runtime.isPaused, let first = runtime.nextFire, first <= now {
            let missed = missedFires(from: first, until: now)
            let latest = missed.last ?? first
            let span = "between \(lastSeen) and \(now)"
            switch compiled.misfire {
            case .skip:
                actions += skip(scheduledAt: latest, now: now, reason: "missed \(missed.count) fire(s) \(span) (misfire skip)")
            case .runOnce:
                if let deadline = definition.startingDeadline, now.timeIntervalSince(latest) > deadline {
                    actions += skip(
                        scheduledAt: latest, now: now,
                        reason: "missed \(missed.count) fire(s) \(span), the latest beyond starting_deadline \(deadline)s")
                } else {
                    actions += fire(scheduledAt: latest, now: now)
                }
            }
            runtime.nextFire = nextFire(after: now)
        }
        refreshState()
        return actions
    }

    /// Fire times from `first` up to `now`, within the window; bounded because a per-second cron
    /// over a long outage would otherwise produce millions.
    private func missedFires(from first: Date, until now: Date) -> [Date] {
        var fires = [first]
        while fires.count < 10_000,
            let next = compiled.schedule.nextFire(after: fires[fires.count - 1], reference: runtime.reference),
            next <= now, definition.endAt.map({ next <= $0 }) ?? true
        {
            fires.append(next)
        }
        return fires
    }

    private func requireLive(_ command: String) throws(TaskError) {
        if runtime.state.isTerminal {
            throw TaskError(.invalidState, "cannot \(command) task '\(id)': it is \(runtime.state.rawValue)")
        }
    }
}
