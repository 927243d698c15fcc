import Foundation
import PlexusProtocol
import ZeroMQ

/// A blocking subscriber to the broker's `events_out` with NATS-style patterns.
///
/// ```swift
/// let subscriber = try EventSubscriber(endpoint: discover.eventsOut, patterns: ["user.>"])
/// while let event = try subscriber.next(timeout: 5) { print(event.topic) }
/// ```
public final class EventSubscriber {
    public let patterns: PatternSet
    private let context: ZMQContext
    private let socket: Socket

    /// `curve`: the CURVE keys (default: `CurveCredentials.processDefault`, from the environment).
    public init(
        endpoint: String, patterns: [String], context: ZMQContext? = nil,
        curve: CurveCredentials? = CurveCredentials.processDefault
    ) throws {
        self.patterns = try PatternSet(patterns)
        self.context = try context ?? ZMQContext()
        socket = try self.context.socket(.sub)
        try socket.setReceiveHighWaterMark(100_000)
        if let curve, !endpoint.hasPrefix("inproc://") { try curve.apply(to: socket) }
        for prefix in self.patterns.zmqPrefixes { try socket.subscribe(prefix) }
        try socket.connect(endpoint)
    }

    /// The next matching event, or `nil` when none arrives within `timeout` seconds.
    /// Events that match no pattern, or are not `[topic, payload, meta]`, are skipped.
    public func next(timeout: Double) throws -> ReceivedEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        var poller = Poller()
        poller.add(socket)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            guard try poller.poll(timeoutMilliseconds: Int((remaining * 1000).rounded(.up))) > 0 else { continue }
            while let frames = try socket.receiveMultipart(dontWait: true, maxFrames: 8) {
                if let event = ReceivedEvent.decode(frames), patterns.matches(event.topic) { return event }
            }
        }
    }
}
