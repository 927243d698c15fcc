import CSpawn
import Foundation
import PlexusProtocol
import PlexusTopology

/// Runs the probes of many instances on one thread of its own, one probe after another (each is bounded
/// by its timeout), each every `intervalMilliseconds` from the start of its last run, the first at once.
/// Failures of runs that start within `startupGraceMilliseconds` after `schedule` are ignored (successes
/// count). Verdict changes
/// (`ProbeThresholds`) are reported through `onChange(instance, check)` on the scheduler's thread.
///
/// ```swift
/// let probes = ProbeScheduler { instance, check in loop.post(.probe(instance, check)) }
/// probes.schedule(instance: "db-1", probe: spec, workingDirectory: dir, environment: env)
/// probes.cancel(instance: "db-1")  // the process exited
/// probes.stop()
/// ```
///
/// One thread keeps it simple: with many slow probes, intervals stretch (n probes that each time out
/// after t take n × t per round) rather than threads piling up.
public final class ProbeScheduler: @unchecked Sendable {
    private struct Entry {
        var probe: ProbeSpec
        var workingDirectory: String?
        var environment: [String: String]
        var graceUntil: Int64
        var nextRun: Int64
        var thresholds: ProbeThresholds
        /// Tells a replaced or cancelled entry from the one whose probe just ran.
        var generation: UInt64
    }

    private let onChange: @Sendable (_ instance: String, _ check: HealthCheck) -> Void
    /// Guards `entries`, `stopping`, `generation` and `running`; signalled on every change.
    private let condition = NSCondition()
    private var entries: [String: Entry] = [:]
    private var stopping = false
    private var generation: UInt64 = 0
    /// The timeout of the probe running now, for `stop`'s bound.
    private var runningTimeout: Int64 = 0
    /// Held while `onChange` runs, so that `cancel` returns only once no report of the old probe can come.
    /// Recursive: `onChange` may call `cancel` or `schedule`.
    private let reporting = NSRecursiveLock()
    /// Left when the thread's loop has ended.
    private let finished = DispatchGroup()
    private var thread: Thread?

    /// `onChange(instance, check)` is called on the scheduler's thread when an instance's verdict changes
    /// (its first verdict too).
    public init(onChange: @escaping @Sendable (_ instance: String, _ check: HealthCheck) -> Void) {
        self.onChange = onChange
        finished.enter()
        // The thread keeps the scheduler alive until its loop ends (call `stop`).
        let thread = Thread { [finished] in
            plexus_set_thread_name("plexus-probes")
            self.run()
            finished.leave()
        }
        thread.name = "plexus-probes"
        self.thread = thread
        thread.start()
    }

    /// Starts (or replaces) the probe of `instance`: the first run is now, and its thresholds start afresh.
    public func schedule(instance: String, probe: ProbeSpec, workingDirectory: String?, environment: [String: String]) {
        condition.lock()
        defer { condition.unlock() }
        let now = Clock.now()
        generation &+= 1
        entries[instance] = Entry(
            probe: probe, workingDirectory: workingDirectory, environment: environment,
            graceUntil: now + max(0, probe.startupGraceMilliseconds), nextRun: now,
            thresholds: ProbeThresholds(failureThreshold: probe.failureThreshold, successThreshold: probe.successThreshold),
            generation: generation)
        condition.signal()
    }

    /// Stops probing `instance` (its process exited). Once it returns, no report about it comes (until it
    /// is scheduled again); a probe of it that is running finishes and is discarded.
    public func cancel(instance: String) {
        condition.lock()
        entries[instance] = nil
        condition.signal()
        condition.unlock()
        // Wait out a report in progress (a no-op when called from `onChange` itself).
        reporting.lock()
        reporting.unlock()
    }

    /// Stops the thread; waits for it, at most the running probe's timeout plus a second. Idempotent;
    /// from `onChange` it does not wait.
    public func stop() {
        condition.lock()
        stopping = true
        let bound = runningTimeout + 1000
        condition.signal()
        condition.unlock()
        guard Thread.current !== thread else { return }
        _ = finished.wait(timeout: .now() + .milliseconds(Int(bound)))
    }

    private func run() {
        condition.lock()
        while !stopping {
            let now = Clock.now()
            guard let (instance, entry) = entries.min(by: { $0.value.nextRun < $1.value.nextRun }) else {
                condition.wait()
                continue
            }
            guard entry.nextRun <= now else {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(entry.nextRun - now) / 1000))
                continue
            }
            entries[instance]?.nextRun = now + max(1, entry.probe.intervalMilliseconds)
            runningTimeout = entry.probe.timeoutMilliseconds
            condition.unlock()

            let outcome = ProbeRunner.run(
                entry.probe.check, timeoutMilliseconds: entry.probe.timeoutMilliseconds,
                workingDirectory: entry.workingDirectory, environment: entry.environment)

            reporting.lock()
            condition.lock()
            runningTimeout = 0
            var verdict: HealthCheck?
            if !stopping, var current = entries[instance], current.generation == entry.generation,
                outcome.passed || now >= current.graceUntil
            {
                verdict = current.thresholds.record(outcome)
                entries[instance] = current
            }
            condition.unlock()
            if let verdict { onChange(instance, verdict) }
            reporting.unlock()
            condition.lock()
        }
        condition.unlock()
    }
}
