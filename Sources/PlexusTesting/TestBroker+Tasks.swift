import Foundation
import PlexusClient
import PlexusProtocol

extension TestBroker {
    /// `TASKS SHOW id`: the task's report with its recent runs.
    public func task(_ id: String) throws -> TaskReport {
        try client().request(.tasks(.show, argument: id), as: TaskReport.self)
    }

    /// Every task (`TASKS LIST`, every page), without their runs.
    public func tasks() throws -> [TaskReport] {
        try client().requestAll(.tasks(.list, argument: nil), as: TaskReport.self)
    }

    /// Waits until task `id` satisfies `condition`, at most `timeout` seconds; returns its report. Checks
    /// again after each `plexus.task.*` event the watch subscription receives (and every 0.25 s).
    ///
    /// ```swift
    /// let done = try broker.waitForTask("nightly") { $0.history?.last?.outcome == "succeeded" }
    /// ```
    @discardableResult
    public func waitForTask(_ id: String, timeout: Double = 20, where condition: (TaskReport) throws -> Bool) throws
        -> TaskReport
    {
        let client = try client()
        var last: TaskReport?
        return try waitForEvents(
            timeout: timeout, "task \(id) in the expected state",
            seen: { last.map { "state \($0.state), runs \($0.runCount), failures \($0.failureCount)" } ?? "no such task" }
        ) { () throws -> TaskReport? in
            guard let task = try? client.request(.tasks(.show, argument: id), as: TaskReport.self) else { return nil }
            last = task
            return try condition(task) ? task : nil
        }
    }
}
