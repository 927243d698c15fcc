import CoreMetrics
import Foundation
import Logging
import PlexusBroker
import PlexusClient
import PlexusProtocol
import Synchronization
import ZeroMQ

/// One SSE client's events: a thread runs PlexusClient's `ReliableSubscriber` (the same gap repair and
/// replay handshake as `plexus subscribe`) and hands what it delivers to the response through a bounded
/// queue. When the client reads too slowly the queue overflows: the events that did not fit are
/// counted, logged, and announced to the client as one `overflow` item once there is room again.
final class EventStream: Sendable {
    /// What the response writes.
    enum Item: Sendable {
        case event(ReceivedEvent)
        case lost(EventLoss)
        case epochChanged(from: String?, to: String)
        /// Events dropped since the last announcement because the client's queue was full.
        case overflow(dropped: UInt64, total: UInt64)
        /// Nothing for a heartbeat interval.
        case heartbeat
        /// The subscriber failed; the stream ends after this.
        case failed(String)
    }

    /// The topics whose events arrive as typed SSE events (`event: plugin`, `task`, `breaker`).
    static let systemPatterns = ["plexus.plugin.>", "plexus.task.>", "plexus.service.breaker"]

    /// The SSE event type of a topic: the typed system events, or nil (EventSource's `message`).
    static func eventType(of topic: String) -> String? {
        if topic.hasPrefix("plexus.plugin.") { return "plugin" }
        if topic.hasPrefix("plexus.task.") { return "task" }
        if topic == "plexus.service.breaker" { return "breaker" }
        return nil
    }

    let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    private let handle: StreamRegistry.Handle

    /// Starts the subscriber thread.
    /// - Parameters:
    ///   - start: where to replay from (the seq after `Last-Event-ID`), nil for live only.
    ///   - overflows: the count of every stream's dropped events, for metrics.
    init(
        broker: Broker, context: ZMQContext, patterns: [String], start: ReplayStart?, id: String, queueLimit: Int,
        heartbeatSeconds: Double, controlTimeout: Double, handle: StreamRegistry.Handle, overflows: CoreMetrics.Counter,
        logger: Logger
    ) {
        (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(max(2, queueLimit)))
        self.handle = handle
        let continuation = self.continuation
        continuation.onTermination = { _ in handle.stop() }
        let eventsOut = EndpointAddress.resolve(broker.endpoints.eventsOut, relativeTo: "tcp://127.0.0.1:1")
        let thread = Thread {
            Self.produce(
                broker: broker, context: context, eventsOut: eventsOut, patterns: patterns, start: start, id: id,
                heartbeatSeconds: heartbeatSeconds, controlTimeout: controlTimeout, handle: handle,
                continuation: continuation, overflows: overflows, logger: logger)
        }
        thread.name = "plexus-http-stream"
        thread.start()
    }

    /// Stops the thread (the client went away).
    func stop() {
        handle.stop()
        continuation.finish()
    }

    private static func produce(
        broker: Broker, context: ZMQContext, eventsOut: String, patterns: [String], start: ReplayStart?, id: String,
        heartbeatSeconds: Double, controlTimeout: Double, handle: StreamRegistry.Handle,
        continuation: AsyncStream<Item>.Continuation, overflows: CoreMetrics.Counter, logger: Logger
    ) {
        defer { continuation.finish() }
        let subscriber: ReliableSubscriber
        do {
            subscriber = try ReliableSubscriber(
                control: try broker.client(timeout: controlTimeout), eventsOut: eventsOut, patterns: patterns, start: start,
                id: id, context: context)
        } catch {
            continuation.yield(.failed("cannot subscribe: \(error)"))
            return
        }
        var pending: UInt64 = 0
        var total: UInt64 = 0
        var lastYield = Date()
        func offer(_ item: Item) -> Bool {
            if pending > 0 {
                switch continuation.yield(.overflow(dropped: pending, total: total)) {
                case .enqueued: pending = 0
                case .dropped: break
                case .terminated: return false
                @unknown default: break
                }
            }
            switch continuation.yield(item) {
            case .enqueued:
                lastYield = Date()
            case .dropped:
                if case .heartbeat = item { break }
                if pending == 0 {
                    logger.warning("SSE client too slow: its queue is full, events dropped", metadata: ["stream": "\(id)"])
                }
                pending += 1
                total += 1
                overflows.increment()
            case .terminated:
                return false
            @unknown default:
                break
            }
            return true
        }
        while !handle.isStopped {
            let delivery: ReliableSubscriber.Delivery?
            do {
                delivery = try subscriber.next(timeout: min(0.5, heartbeatSeconds))
            } catch {
                _ = offer(.failed("\(error)"))
                return
            }
            let keepGoing: Bool
            switch delivery {
            case .event(let event)?: keepGoing = offer(.event(event))
            case .lost(let loss)?: keepGoing = offer(.lost(loss))
            case .epochChanged(let from, let to)?: keepGoing = offer(.epochChanged(from: from, to: to))
            case nil:
                keepGoing = Date().timeIntervalSince(lastYield) >= heartbeatSeconds ? offer(.heartbeat) : true
            }
            if !keepGoing { return }
        }
    }
}
