import Foundation
import PlexusProtocol
import Synchronization

/// A request to one of the plugin's services.
///
/// ```swift
/// func serve(_ request: ServiceRequest, context: PluginContext) async throws -> [UInt8] {
///     try request.partial(Array("working…".utf8))
///     return Array("done".utf8)
/// }
/// ```
public final class ServiceRequest: Sendable {
    public let service: String
    public let body: [UInt8]
    public let headers: [String: String]
    /// After this, the caller has given up and the answer is dropped.
    public let deadline: Date
    /// Who called (an instance id, `client`, or `plexus.scheduler` for a task run).
    public let caller: String
    /// The task run this request carries, when the broker's scheduler sent it.
    public let task: TaskRun?
    let rid: String
    private let send: @Sendable (PluginMessage) -> Void
    private let cancelled = Atomic<Bool>(false)

    init(rid: String, service: String, body: [UInt8], meta: RequestMeta, send: @escaping @Sendable (PluginMessage) -> Void) {
        self.rid = rid
        self.service = service
        self.body = body
        self.headers = meta.headers
        self.deadline = Date(timeIntervalSince1970: Double(meta.deadline) / 1_000_000)
        self.caller = meta.caller
        self.task = TaskRun(headers: meta.headers)
        self.send = send
    }

    /// The body as UTF-8 text, if it is.
    public var text: String? { String(validating: body, as: UTF8.self) }

    /// Time left before the deadline, in seconds (negative once passed).
    public var remaining: TimeInterval { deadline.timeIntervalSinceNow }

    /// Whether the broker cancelled the request (its caller's deadline passed).
    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Streams part of the answer to the caller before the final one.
    public func partial(_ bytes: [UInt8]) throws {
        guard !isCancelled else { throw CancellationError() }
        send(.partial(rid: rid, body: bytes))
    }

    func cancel() { cancelled.store(true, ordering: .releasing) }
}

/// An error a service handler throws to answer its caller with a code: `ServiceError(404, "no_such_user", "…")`.
/// Any other error reaches the caller as 500 `handler_failed` with the error's description.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public let code: Int
    public let error: String
    public let message: String

    public init(_ code: Int, _ error: String, _ message: String) {
        self.code = code
        self.error = error
        self.message = message
    }

    public var description: String { "\(error) (\(code)): \(message)" }
}

/// The requests being served, by broker request id, so that `CANCEL` finds them.
final class RequestTracker: Sendable {
    private let running = Mutex<[String: (request: ServiceRequest, task: Task<Void, Never>)]>([:])

    /// Starts `work` and tracks it. The task is created under the lock, so its own `remove` at the end
    /// cannot run before it is recorded.
    func start(_ request: ServiceRequest, _ work: @escaping @Sendable () async -> Void) {
        running.withLock { $0[request.rid] = (request, Task { await work() }) }
    }

    func remove(_ rid: String) {
        _ = running.withLock { $0.removeValue(forKey: rid) }
    }

    func cancel(_ rid: String) {
        let entry = running.withLock { $0.removeValue(forKey: rid) }
        entry?.request.cancel()
        entry?.task.cancel()
    }
}
