import Foundation

/// A thread whose end can be waited for with a deadline: `Foundation.Thread` has no join, and polling
/// `isExecuting` in a sleep loop wastes the time between polls and never gives up.
///
/// ```swift
/// let worker = JoinableThread(name: "caller") { _ = try? client.call("svc.slow", body: []) }
/// // …
/// guard worker.join(timeout: 10) else { throw PlexusTestingError(.timeout, "the caller is stuck") }
/// ```
public final class JoinableThread: Sendable {
    private let finished = DispatchGroup()

    /// Starts `body` on a new thread.
    public init(name: String? = nil, _ body: @escaping @Sendable () -> Void) {
        finished.enter()
        let finished = self.finished
        let thread = Thread {
            body()
            finished.leave()
        }
        if let name { thread.name = name }
        thread.start()
    }

    /// Waits until the body has returned, at most `timeout` seconds; returns whether it has.
    @discardableResult
    public func join(timeout: Double) -> Bool {
        finished.wait(timeout: .now() + max(0, timeout)) == .success
    }

    /// Whether the body has returned.
    public var isFinished: Bool { join(timeout: 0) }
}
