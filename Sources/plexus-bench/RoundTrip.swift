import Foundation
import PlexusProtocol
import PlexusTesting
import ZeroMQ

/// Round-trip latency of one request in flight, in microseconds, as sorted samples.
struct RoundTrip {
    /// A raw ROUTER that echoes every message back: the floor for any request/reply through a broker.
    final class Echo: @unchecked Sendable {
        let endpoint: String
        private let router: Socket
        private let thread: JoinableThread
        private let stopFlag = ManagedAtomicFlag()

        init(context: ZMQContext) throws {
            router = try context.socket(.router)
            endpoint = try router.bind("tcp://127.0.0.1:*")
            let (router, stopFlag) = (router, stopFlag)
            try router.setReceiveTimeout(milliseconds: 100)
            thread = JoinableThread {
                while !stopFlag.isSet {
                    guard let frames = try? router.receiveMultipart() else { continue }
                    _ = try? router.send(multipart: frames)
                }
                router.close()
            }
        }

        func stop() {
            stopFlag.set()
            thread.joinOrExit("the echo server")
        }
    }

    /// Sends `request` `count` times on a DEALER, one at a time, and returns the sorted latencies (µs).
    static func measure(context: ZMQContext, endpoint: String, request: [[UInt8]], count: Int) throws -> [Double] {
        let dealer = try context.socket(.dealer)
        try dealer.setReceiveTimeout(milliseconds: 2_000)
        try dealer.connect(endpoint)
        // Warm up: the first round trip includes the TCP handshake.
        for _ in 0..<200 {
            try dealer.send(multipart: request)
            _ = try dealer.receiveMultipart()
        }
        var samples: [Double] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            try dealer.send(multipart: request)
            guard try dealer.receiveMultipart() != nil else { throw ZMQError(code: EAGAIN, operation: "round trip timed out") }
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000)
        }
        dealer.close()
        return samples.sorted()
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}
