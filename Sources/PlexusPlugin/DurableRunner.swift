import Foundation
import PlexusClient
import PlexusProtocol
import Synchronization
import ZeroMQ

/// Runs one `DurableConsumer` on a thread of its own, with its own ZeroMQ context, `ControlClient` and
/// doorbell SUB: a durable consumer waits on the broker (replays, acks) and on its handler, and neither
/// may hold up the session loop's heartbeats or the plugin's live events.
final class DurableRunner: Sendable {
    private let stopped = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the consumer; `handle` runs the plugin's handler and returns nil on success, else the error.
    init(
        subscription: DurableSubscription, controlEndpoint: String, context: PluginContext,
        handle: @escaping @Sendable (ReceivedEvent) async -> String?
    ) {
        let thread = Thread { [self] in
            run(subscription, controlEndpoint: controlEndpoint, context: context, handle: handle)
            finished.signal()
        }
        thread.name = "plexus-durable-\(subscription.name)"
        thread.start()
    }

    /// Asks the consumer to stop and waits for it (up to `timeout` seconds; a handler may be running).
    func stop(timeout: Double = 5) {
        stopped.withLock { $0 = true }
        _ = finished.wait(timeout: .now() + timeout)
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func run(
        _ subscription: DurableSubscription, controlEndpoint: String, context: PluginContext,
        handle: @escaping @Sendable (ReceivedEvent) async -> String?
    ) {
        let logger = context.logger
        var consumer = DurableConsumer(subscription)
        var doorbell: Socket?
        let zmq: ZMQContext
        let client: ControlClient
        do {
            zmq = try ZMQContext()
            client = try ControlClient(endpoint: controlEndpoint, timeout: 5, context: zmq)
        } catch {
            logger.error("durable subscription cannot start", metadata: ["name": "\(subscription.name)", "error": "\(error)"])
            return
        }
        // The context goes with the client (which holds it) once both sockets are closed.
        defer { doorbell?.close() }
        var queue: [DurableConsumer.Action] = [consumer.start()]
        while !isStopped, !queue.isEmpty {
            let action = queue.removeFirst()
            switch action {
            case .open(let open):
                do {
                    queue.append(consumer.opened(try client.durableOpen(open)))
                    if doorbell == nil { doorbell = try? Self.doorbell(client: client, pattern: open.pattern, zmq: zmq) }
                } catch {
                    queue += consumer.commandFailed("\(error)")
                    pause(DurableConsumer.retryMilliseconds)
                }
            case .replay(let request, let delay):
                pause(delay)
                do {
                    queue.append(consumer.answered(try client.replay(request)))
                } catch .rejected(let error) {
                    queue += consumer.replayFailed(error, reason: error.message)
                } catch {
                    queue += consumer.replayFailed(nil, reason: "\(error)")
                }
            case .handle(let event, _, let delay):
                pause(delay)
                guard !isStopped else { break }
                let outcome = Self.wait { await handle(event) }
                queue.append(outcome.map { consumer.handlerFailed($0) } ?? consumer.handlerSucceeded())
            case .dead(let letter, let payload):
                do {
                    try client.durableDead(letter, payload: payload)
                    logger.warning(
                        "event dead-lettered",
                        metadata: ["name": "\(letter.name)", "seq": "\(letter.seq)", "attempts": "\(letter.attempts)"])
                    queue.append(consumer.deadLettered())
                } catch {
                    queue += consumer.commandFailed("DEAD failed: \(error)")
                }
            case .ack(let seq):
                do {
                    queue.append(consumer.ackDone(try client.durableAck(name: subscription.name, seq: seq)))
                } catch {
                    queue += consumer.commandFailed("ACK failed: \(error)")
                }
            case .waitForDoorbell:
                waitForDoorbell(doorbell)
                queue.append(consumer.doorbell())
            case .log(let message):
                logger.warning("\(message)")
            }
        }
    }

    /// A SUB on the pattern's prefix and the event heartbeat: anything arriving means "look again".
    private static func doorbell(client: ControlClient, pattern: String, zmq: ZMQContext) throws -> Socket {
        let endpoints = try client.discover()
        let socket = try zmq.socket(.sub)
        if let curve = CurveCredentials.processDefault { try curve.apply(to: socket) }
        for prefix in try PatternSet([pattern]).zmqPrefixes { try socket.subscribe(prefix) }
        try socket.subscribe(EventHeartbeat.topic)
        try socket.connect(endpoints.eventsOut)
        return socket
    }

    /// Up to a second and a half (a heartbeat comes about every second), then drains what rang.
    private func waitForDoorbell(_ socket: Socket?) {
        guard let socket else { return pause(1_000) }
        var poller = Poller()
        poller.add(socket)
        _ = try? poller.poll(timeoutMilliseconds: 1_500)
        while (try? socket.receiveMultipart(dontWait: true, maxFrames: 8)) != nil {}
    }

    /// Sleeps in slices, so that `stop` is seen.
    private func pause(_ milliseconds: Int64) {
        var left = milliseconds
        while left > 0, !isStopped {
            let slice = min(left, 100)
            Thread.sleep(forTimeInterval: Double(slice) / 1000)
            left -= slice
        }
    }

    /// Runs async work from this (non-cooperative) thread and waits for its result.
    private static func wait(_ body: @escaping @Sendable () async -> String?) -> String? {
        let result = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome = await body()
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }
}
