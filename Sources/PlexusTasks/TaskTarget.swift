/// A validated target, as handed to the broker in `RunOrder`.
public enum TaskTarget: Codable, Sendable, Equatable {
    /// Call a service; `all` means every running instance answers separately. `plugin` (a plugin
    /// name or type) narrows the instances that qualify.
    case service(String, fanOut: FanOut, plugin: String? = nil)
    /// Publish on an event topic. Fire-and-forget: the run succeeds when it is published.
    case topic(String)
}

/// How many instances of a service a run goes to.
public enum FanOut: String, Codable, Sendable, Equatable, CaseIterable {
    /// One instance, chosen by the broker's normal dispatch.
    case one
    /// Every running instance; the run completes when each answered or timed out.
    case all
}

/// What to do when a fire is due while an earlier run of the same task is still going.
public enum ConcurrencyPolicy: String, Codable, Sendable, Equatable, CaseIterable {
    /// Start the new run alongside.
    case allow
    /// Skip the new fire (a `plexus.task.skipped` event says so).
    case forbid
    /// Cancel the running run(s), then start the new one.
    case replace
}

/// What to do with fires missed while the broker was down (see `TaskScheduler.recover`).
public enum MisfirePolicy: String, Codable, Sendable, Equatable, CaseIterable {
    /// Drop them; the task resumes at its next fire after now.
    case skip
    /// Run once for the latest missed fire (within `starting_deadline` if set), then resume.
    case runOnce = "run_once"
}
