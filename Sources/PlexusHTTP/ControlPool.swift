import Foundation
import PlexusClient
import PlexusProtocol
import Synchronization

/// A small pool of `ControlClient`s to the broker's own control endpoint, used off the async threads.
///
/// A `ControlClient` blocks and is not thread-safe, so each call takes an idle client, runs on a
/// dispatch queue (never on Swift concurrency's cooperative threads), and gives the client back. Every
/// HTTP handler answers through `perform`, with the same `ClientCommand`s the CLI sends: the HTTP layer
/// has no command logic of its own.
///
/// ```swift
/// let plugins = try await pool.perform { try $0.plugins() }
/// ```
public final class ControlPool: Sendable {
    /// Makes one client; the pool calls it lazily, up to `maxClients` times.
    public typealias Factory = @Sendable () throws(ClientError) -> ControlClient

    /// A client moves between threads only under the pool's lock, one user at a time.
    final class Slot: @unchecked Sendable {
        let client: ControlClient
        init(_ client: ControlClient) { self.client = client }
    }

    struct State {
        var idle: [Slot] = []
        var created = 0
    }

    /// The most clients at once: as many calls may block in the broker concurrently.
    public let maxClients: Int
    /// How long a call waits for a free client before it answers 503.
    public let acquireTimeout: Double
    private let factory: Factory
    private let state = Mutex(State())
    private let freed = NSCondition()
    private let queue = DispatchQueue(label: "plexus.http.control", attributes: .concurrent)

    public init(maxClients: Int = 8, acquireTimeout: Double = 5, factory: @escaping Factory) {
        self.maxClients = max(1, maxClients)
        self.acquireTimeout = acquireTimeout
        self.factory = factory
    }

    /// Runs `body` with a client on a dispatch thread; a `ClientError` becomes the matching `Problem`.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (ControlClient) throws(ClientError) -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async {
                do {
                    let slot = try self.acquire()
                    defer { self.release(slot) }
                    continuation.resume(returning: try body(slot.client))
                } catch let error as ClientError {
                    continuation.resume(throwing: Problem.from(error))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Sends one command and returns the body frames of its `OK`.
    public func request(_ command: ClientCommand, page: PageRequest? = nil) async throws -> [[UInt8]] {
        try await perform { client throws(ClientError) in try client.request(command, page: page) }
    }

    private func acquire() throws -> Slot {
        let deadline = Date().addingTimeInterval(acquireTimeout)
        freed.lock()
        defer { freed.unlock() }
        while true {
            enum Next { case slot(Slot), create, wait }
            let next: Next = state.withLock { state in
                if let slot = state.idle.popLast() { return .slot(slot) }
                if state.created < maxClients {
                    state.created += 1
                    return .create
                }
                return .wait
            }
            switch next {
            case .slot(let slot): return slot
            case .create:
                do {
                    return Slot(try factory())
                } catch {
                    state.withLock { $0.created -= 1 }
                    throw error
                }
            case .wait:
                guard freed.wait(until: deadline) else {
                    throw Problem(
                        status: 503, error: "unavailable",
                        detail: "all \(maxClients) control clients stayed busy for \(acquireTimeout) s")
                }
            }
        }
    }

    private func release(_ slot: Slot) {
        freed.lock()
        state.withLock { $0.idle.append(slot) }
        freed.signal()
        freed.unlock()
    }
}
