import Foundation
import PlexusProtocol
import PlexusTopology
import ZeroMQ

/// The event log's cost and speed (docs/BENCHMARKS.md, "Event log"): forwarding with the log on
/// against the log off and `zmq_proxy`, replay read-back, and acknowledged publishes with each sync policy.
struct EventLogBench {
    let context: ZMQContext
    let repetitions: Int
    let quick: Bool

    typealias Row = (String, String, String, String)

    func rows(proxy: ProxyBaseline) throws -> [Row] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plexus-bench-log-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let logged = try LocalBroker(eventsHighWaterMark: 0, dataDirectory: directory.appendingPathComponent("on").path)
        var off = EventsSection()
        off.log = false
        let unlogged = try LocalBroker(
            eventsHighWaterMark: 0, dataDirectory: directory.appendingPathComponent("off").path, events: off)
        defer {
            logged.stop()
            unlogged.stop()
        }
        var rows: [Row] = []
        for size in [64, 1024] {
            let count = quick ? 50_000 : (size == 64 ? 500_000 : 200_000)
            func measure(_ publishTo: String, _ subscribeTo: String, frames: Int) throws -> Double {
                try Throughput(
                    context: context, publishTo: publishTo, subscribeTo: subscribeTo, payloadSize: size, count: count,
                    framesPerMessage: frames
                ).run()
            }
            var on: [Double] = [], plain: [Double] = [], proxied: [Double] = []
            // Interleaved, so that a noisy moment hits every path alike.
            for _ in 0..<repetitions {
                on.append(try measure(logged.endpoints.eventsIn, logged.endpoints.eventsOut, frames: 3))
                plain.append(try measure(unlogged.endpoints.eventsIn, unlogged.endpoints.eventsOut, frames: 3))
                proxied.append(try measure(proxy.inbound, proxy.outbound, frames: 2))
            }
            let (o, u, p) = (Bench.median(on), Bench.median(plain), Bench.median(proxied))
            rows.append(("events \(size) B: log on", Bench.rate(o), "log off \(Bench.rate(u))", Bench.ratio(o / u)))
            rows.append(("events \(size) B: log on", Bench.rate(o), "zmq_proxy \(Bench.rate(p))", Bench.ratio(o / p)))
        }
        let forwarded = Bench.median(
            try (0..<repetitions).map { _ in
                try Throughput(
                    context: context, publishTo: logged.endpoints.eventsIn, subscribeTo: logged.endpoints.eventsOut,
                    payloadSize: 64, count: quick ? 50_000 : 200_000, framesPerMessage: 3
                ).run()
            })
        let replayed = try replayRate(control: logged.endpoints.control)
        rows.append(
            (
                "replay read-back, 64 B-1 KiB", Bench.rate(replayed), "live log on \(Bench.rate(forwarded))",
                Bench.ratio(replayed / forwarded)
            ))
        rows.append(contentsOf: try acknowledgedRows(directory: directory))
        return rows
    }

    /// Events per second read back with `REPLAY` batches of 10,000, over everything stored.
    private func replayRate(control: String) throws -> Double {
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        try dealer.setReceiveTimeout(milliseconds: 30_000)
        try dealer.connect(control)
        // From the oldest stored: retention (1 GiB) has dropped the first events of the runs above.
        var request = ReplayRequest(pattern: ">", maxEvents: ReplayRequest.maxMaxEvents)
        var events = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for index in 0..<100_000 {
            try dealer.send(
                multipart: [[]] + ClientRequest(requestID: Array("\(index)".utf8), command: .replay(request)).encode())
            let received = try dealer.receiveMultipart(maxFrames: 3 * ReplayRequest.maxMaxEvents + 8)
            guard let reply = received, reply.count >= 5,
                reply[2] == Array("OK".utf8)
            else {
                let shown = received.map { $0.map { String(decoding: $0.prefix(200), as: UTF8.self) } } ?? ["no answer in 30 s"]
                throw BenchError("REPLAY failed after \(events) events: \(shown)")
            }
            let answer = try ReplayAnswer.decode(Array(reply[4...]))
            events += answer.batch.count
            if answer.batch.done { break }
            request = request.continuing(after: answer.batch.scannedTo)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(events) / seconds
    }

    /// Acknowledged `PUBLISH`es per second, 64 in flight, with `sync: interval 1s` and `sync: always`.
    private func acknowledgedRows(directory: URL) throws -> [Row] {
        var rates: [String: Double] = [:]
        for (name, sync) in [("interval", EventsSection.Sync.interval(milliseconds: 1000)), ("always", .always)] {
            var events = EventsSection()
            events.sync = sync
            let broker = try LocalBroker(dataDirectory: directory.appendingPathComponent("ack-\(name)").path, events: events)
            defer { broker.stop() }
            rates[name] = try acknowledgedRate(
                control: broker.endpoints.control, count: quick ? 2_000 : (name == "always" ? 5_000 : 50_000))
        }
        let (interval, always) = (rates["interval"]!, rates["always"]!)
        return [
            ("acked publish, sync interval 1s", String(format: "%.1f k/s", interval / 1000), "", ""),
            (
                "acked publish, sync always", String(format: "%.1f k/s", always / 1000),
                String(format: "interval %.1f k/s", interval / 1000), Bench.ratio(always / interval)
            ),
        ]
    }

    private func acknowledgedRate(control: String, count: Int) throws -> Double {
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        try dealer.setReceiveTimeout(milliseconds: 30_000)
        try dealer.connect(control)
        let window = 64
        var sent = 0, answered = 0
        let payload = [UInt8](repeating: 0x61, count: 64)
        let start = DispatchTime.now().uptimeNanoseconds
        while answered < count {
            while sent < count, sent - answered < window {
                let request = ClientRequest(
                    requestID: Array("\(sent)".utf8), command: .publish(PublishRequest(topic: "bench.acked", payload: payload)))
                try dealer.send(multipart: [[]] + request.encode())
                sent += 1
            }
            guard let reply = try dealer.receiveMultipart(), reply.count >= 3, reply[2] == Array("OK".utf8) else {
                throw BenchError("an acknowledged PUBLISH failed")
            }
            answered += 1
        }
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
