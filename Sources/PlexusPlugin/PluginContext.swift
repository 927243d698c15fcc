import Foundation
import Logging
import PlexusClient
import PlexusProtocol
import Synchronization
import ZeroMQ

/// What a plugin's hooks get: its identity, its config, a logger, and publishing.
///
/// Thread-safe: hooks may publish from any task.
public final class PluginContext: Sendable {
    /// This process's instance id.
    public let instance: String
    /// A logger with `plugin` and `instance` metadata.
    public let logger: Logger
    /// The broker's control endpoint, for calls.
    let controlEndpoint: String
    private let state: Mutex<State>

    struct State {
        var config: JSONValue = .object([:])
        var publisher: Socket?
        var eventsIn: String?
        /// Where `setHealth` reports go (the session loop), and the report set before there was one.
        var healthSink: (@Sendable (HealthReport) -> Void)?
        var pendingHealth: HealthReport?
    }

    init(instance: String, logger: Logger, controlEndpoint: String) {
        self.instance = instance
        self.logger = logger
        self.controlEndpoint = controlEndpoint
        state = Mutex(State())
    }

    /// The plugin's `config:` block from the broker's topology (an empty object when there is none).
    public var config: JSONValue { state.withLock { $0.config } }

    /// Decodes the config block into a `Decodable` type.
    public func config<T: Decodable>(as type: T.Type) throws -> T { try config.decode(T.self) }

    /// Publishes an event (fire-and-forget) with this instance as its `source`. When the queue towards the
    /// broker is full it waits up to 5 s for room, then throws `ClientError.backpressure`.
    public func publish(_ topic: String, payload: [UInt8], headers: [String: String] = [:]) throws {
        if let problem = Topic.validationError(topic) { throw ProtocolError.bad(problem) }
        var headers = headers
        headers["source"] = instance
        let frames = [Array(topic.utf8), payload, JSONCoding.encode(headers)]
        try state.withLock { state in
            guard let publisher = state.publisher else {
                throw ProtocolError(.unavailable, "not connected to a broker yet")
            }
            try PublisherSocket.send(frames, on: publisher, endpoint: state.eventsIn ?? "events_in")
        }
    }

    /// Publishes UTF-8 text.
    public func publish(_ topic: String, text: String, headers: [String: String] = [:]) throws {
        try publish(topic, payload: Array(text.utf8), headers: headers)
    }

    /// Publishes a value encoded as JSON.
    public func publish<T: Encodable>(_ topic: String, json value: T, headers: [String: String] = [:]) throws {
        try publish(topic, payload: JSONCoding.encode(value), headers: headers)
    }

    /// Calls a service through the broker and returns its final answer; `onPartial` sees streamed parts.
    /// Fails with `ClientError.rejected` carrying the service's error (code, name, message).
    ///
    /// The wait runs on a thread of its own, so no task of Swift's cooperative pool is held meanwhile.
    public func call(
        _ service: String, body: [UInt8], options: CallOptions = CallOptions(),
        onPartial: (@Sendable ([UInt8]) -> Void)? = nil
    ) async throws -> [UInt8] {
        let endpoint = controlEndpoint
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
            let thread = Thread {
                do {
                    let client = try ControlClient(endpoint: endpoint, timeout: 5)
                    continuation.resume(returning: try client.call(service, body: body, options: options) { onPartial?($0) })
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "plexus-call"
            thread.start()
        }
    }

    /// Sets the plugin's health (docs/PROTOCOL.md section 4, "Health"), from any thread or task. The SDK
    /// sends `HEALTH` when this changes what the broker holds, and again on every new session; the
    /// report the broker gets is the worse of this one and the `health()` hook's latest answer. An
    /// invalid report (too long a message, more than 64 checks) is logged and ignored.
    ///
    /// ```swift
    /// context.setHealth(HealthReport(status: .critical, message: "database unreachable"))
    /// context.setHealth(HealthReport(status: .passing))  // back in rotation
    /// ```
    public func setHealth(_ report: HealthReport) {
        // Handed on under the lock, so that the latest of two concurrent calls is the one that stands.
        state.withLock { state in
            if let sink = state.healthSink {
                sink(report)
            } else {
                state.pendingHealth = report
            }
        }
    }

    // MARK: Runtime side

    /// Sends `setHealth` reports to `sink` from now on, starting with one set before.
    func connectHealth(_ sink: @escaping @Sendable (HealthReport) -> Void) {
        state.withLock { state in
            state.healthSink = sink
            if let pending = state.pendingHealth { sink(pending) }
            state.pendingHealth = nil
        }
    }

    func setConfig(_ config: JSONValue) -> Bool {
        state.withLock { state in
            defer { state.config = config }
            return state.config != config
        }
    }

    /// Points the publisher at `endpoint` (called by the session loop after each WELCOME).
    func connectPublisher(to endpoint: String, context: ZMQContext) throws {
        try state.withLock { state in
            guard state.eventsIn != endpoint else { return }
            state.publisher?.close()
            // Not a plain PUB, which drops silently at its high-water mark: PublisherSocket says why.
            let socket = try PublisherSocket.open(endpoint: endpoint, context: context)
            state.publisher = socket
            state.eventsIn = endpoint
        }
    }

    func closePublisher() {
        state.withLock { state in
            state.publisher?.close()
            state.publisher = nil
            state.eventsIn = nil
        }
    }
}
