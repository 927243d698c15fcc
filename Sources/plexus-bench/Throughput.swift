import Foundation
import PlexusClient
import ZeroMQ

/// Measures one PUB → (something) → SUB path: a publisher thread sends `count` messages as fast as it
/// can, a subscriber counts them; the figure is messages received per second of the whole transfer.
///
/// Both ends first exchange warm-up messages until the subscriber sees one, so that ZeroMQ's slow-joiner
/// window is never part of the measurement.
struct Throughput {
    let context: ZMQContext
    /// Where the publisher connects; `nil` makes it bind an ephemeral port that the subscriber connects to.
    let publishTo: String?
    let subscribeTo: String?
    let payloadSize: Int
    let count: Int
    /// Frames a subscriber gets per message (2 direct/proxy, 3 through the broker with META).
    let framesPerMessage: Int
    /// CURVE keys for both sockets (a broker with `security.curve`).
    var curve: CurveCredentials? = nil

    func run() throws -> Double {
        let publisher = try context.socket(.pub)
        try publisher.setSendHighWaterMark(0)
        if let curve { try curve.apply(to: publisher) }
        var subscribeTo = subscribeTo
        if let publishTo { try publisher.connect(publishTo) } else { subscribeTo = try publisher.bind("tcp://127.0.0.1:*") }
        let subscriber = try context.socket(.sub)
        try subscriber.setReceiveHighWaterMark(0)
        if let curve { try curve.apply(to: subscriber) }
        try subscriber.subscribe("bench.")
        try subscriber.connect(subscribeTo ?? "")
        try subscriber.setReceiveTimeout(milliseconds: 2_000)

        let warmedUp = ManagedAtomicFlag()
        let topic = Array("bench.data".utf8)
        let warmTopic = Array("bench.warm".utf8)
        let payload = [UInt8](repeating: 0x61, count: payloadSize)
        let start = ManagedTime()

        let sender = Thread {
            while !warmedUp.isSet {
                _ = try? publisher.send(multipart: [warmTopic, payload])
                Thread.sleep(forTimeInterval: 0.001)
            }
            start.mark()
            for _ in 0..<count {
                _ = try? publisher.send(topic, more: true)
                _ = try? publisher.send(payload)
            }
        }
        sender.start()

        let message = Message()
        var received = 0
        var lastReceived = DispatchTime.now().uptimeNanoseconds
        receiving: while received < count {
            guard try subscriber.receive(into: message) else { break }  // 2 s of silence: the rest was dropped
            let isData = message.withUnsafeBytes { $0.elementsEqual(topic) }
            for _ in 1..<framesPerMessage { try subscriber.receive(into: message) }
            if !isData {
                warmedUp.set()
                continue receiving
            }
            received += 1
            lastReceived = DispatchTime.now().uptimeNanoseconds
        }
        while !start.isMarked { Thread.sleep(forTimeInterval: 0.001) }
        let seconds = Double(lastReceived - start.value) / 1e9
        publisher.close()
        subscriber.close()
        return Double(received) / seconds
    }
}

/// A set-once flag shared between the two benchmark threads.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var isSet: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}

/// A time stamp written by one thread and read by another.
final class ManagedTime: @unchecked Sendable {
    private let lock = NSLock()
    private var stamp: UInt64 = 0
    var isMarked: Bool { lock.withLock { stamp != 0 } }
    var value: UInt64 { lock.withLock { stamp } }
    func mark() { lock.withLock { stamp = DispatchTime.now().uptimeNanoseconds } }
}
