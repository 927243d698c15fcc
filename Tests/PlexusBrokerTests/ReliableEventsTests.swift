import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Synchronization
import Testing
import ZeroMQ

/// Section 10 end to end: a real broker with an event log, the CLI and `ReliableSubscriber`.
@Suite("Reliable events: replay, gap repair, the log's state", .serialized)
struct ReliableEventsTests {
    /// A broker with a data directory (so an event log) and a fast event heartbeat.
    static func loggingBroker(extra: String = "") throws -> TestBroker {
        let data = try TestDirectory.make()
        return try TestBroker(
            topology: "broker:\n  heartbeat_ms: 200\n\(extra)", arguments: ["--data", data.path])
    }

    /// JSON lines of `subscribe --json`.
    static func lines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test("subscribe --from-seq 1 lists the stored events, then goes on live without a gap or a duplicate")
    func subscribeFromSeqThenLive() throws {
        let broker = try Self.loggingBroker()
        defer { broker.stop() }
        var published: [UInt64] = []
        for index in 0..<5 { published.append(try broker.publish("rel.stored", text: "\(index)")) }
        let cli = try TestProcess.plexus(
            ["subscribe", ">", "--from-seq", "1", "--json", "--timeout", "30", "--broker", broker.control], name: "cli-sub")
        defer { cli.stop() }
        // The stored ones first.
        let deadline = Date().addingTimeInterval(20)
        while Self.lines(cli.stdout).filter({ ($0["topic"] as? String) == "rel.stored" }).count < 5, Date() < deadline,
            cli.isRunning
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        for index in 5..<10 { published.append(try broker.publish("rel.stored", text: "\(index)")) }
        let liveDeadline = Date().addingTimeInterval(20)
        while Self.lines(cli.stdout).filter({ ($0["topic"] as? String) == "rel.stored" }).count < 10, Date() < liveDeadline,
            cli.isRunning
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        cli.stop()
        let lines = Self.lines(cli.stdout)
        let mine = lines.filter { ($0["topic"] as? String) == "rel.stored" }
        #expect(mine.compactMap { ($0["seq"] as? Int).map(UInt64.init) } == published, "stderr: \(cli.stderr)")
        #expect(mine.compactMap { $0["data"] as? String } == (0..<10).map(String.init))
        // `prev` chains the topic's events: nothing in between was missed.
        #expect(mine.first?["prev"] as? Int == 0)
        for (earlier, later) in zip(mine, mine.dropFirst()) {
            #expect(later["prev"] as? Int == earlier["seq"] as? Int)
        }
        let seqs = lines.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count, "every event once, in seq order")
        #expect(!lines.contains { $0["lost"] != nil }, "stderr: \(cli.stderr)")
        #expect(!lines.contains { ($0["topic"] as? String) == EventHeartbeat.topic })
    }

    @Test("a slow ReliableSubscriber under a flood repairs its gaps: every event exactly once, in order")
    func slowSubscriberRepairsGaps() throws {
        let broker = try Self.loggingBroker(extra: "events:\n  high_water_marks: { events_out: 16 }\n")
        defer { broker.stop() }
        let discover = try broker.client().discover()
        let subscriber = try ReliableSubscriber(
            control: try broker.client(), eventsOut: discover.eventsOut, patterns: ["flood.>"],
            receiveHighWaterMark: 16)
        try broker.waitForSubscriptions(2)
        // The first heartbeat makes the subscription's start known.
        _ = try subscriber.next(timeout: 1)

        let total = 1_500
        let published = Mutex<[String: [UInt64]]>([:])
        let control = broker.control
        let publisher = JoinableThread(name: "flood") {
            // Acknowledged publishes, 64 in flight: one at a time, a loaded machine could publish no faster
            // than the slow subscriber reads, and nothing would ever be dropped to repair.
            guard let context = try? ZMQContext(), let dealer = try? context.socket(.dealer) else { return }
            defer { dealer.close() }
            try? dealer.setLinger(milliseconds: 0)
            try? dealer.setReceiveTimeout(milliseconds: 10_000)
            guard (try? dealer.connect(control)) != nil else { return }
            func topic(_ index: Int) -> String { index % 2 == 0 ? "flood.a" : "flood.b" }
            var sent = 0
            var answered = 0
            while answered < total {
                while sent < total, sent - answered < 64 {
                    // Large events, so that the kernel's socket buffers cannot hide the slowness.
                    let payload = Array("\(sent) ".utf8) + [UInt8](repeating: 120, count: 16_384)
                    let request = ClientRequest(
                        requestID: Array(String(sent).utf8),
                        command: .publish(PublishRequest(topic: topic(sent), payload: payload, headers: [:])))
                    guard (try? dealer.send(multipart: [[]] + request.encode())) != nil else { return }
                    sent += 1
                }
                guard let frames = try? dealer.receiveMultipart(), let reply = try? ClientReply.decode(frames.dropFirst()),
                    case .ok(let id, let body) = reply, let index = Int(String(decoding: id, as: UTF8.self)),
                    let seq = try? JSONCoding.decode(PublishReply.self, from: body.first ?? [], what: "reply").seq
                else { return }
                published.withLock { $0[topic(index), default: []].append(seq) }
                answered += 1
            }
            published.withLock { table in for key in table.keys { table[key]?.sort() } }
        }
        var received: [String: [UInt64]] = [:]
        var losses: [EventLoss] = []
        let deadline = Date().addingTimeInterval(90)
        while received.values.map(\.count).reduce(0, +) < total, Date() < deadline {
            guard let delivery = try subscriber.next(timeout: 2) else { continue }
            switch delivery {
            case .event(let event):
                received[event.topic, default: []].append(event.meta.seq)
                // Slower than the publisher: the broker's queue for us fills and it drops.
                Thread.sleep(forTimeInterval: 0.003)
            case .lost(let loss): losses.append(loss)
            case .epochChanged: break
            }
        }
        #expect(publisher.join(timeout: 30))
        let sent = published.withLock { $0 }
        #expect(losses.isEmpty)
        #expect(received["flood.a"] == sent["flood.a"])
        #expect(received["flood.b"] == sent["flood.b"])
        let counters = subscriber.counters
        #expect(counters.delivered == UInt64(total))
        #expect(counters.eventsLost == 0)
        let stats = try broker.client().stats()
        // The point of the test: the broker did drop for us, and the repair filled it.
        #expect(stats.dropped > 0, "no drop happened: the flood did not outrun the subscriber")
        #expect(counters.eventsRepaired > 0)
    }

    @Test("plexus events prints the log's state, and events last TOPIC the last stored event")
    func eventsCommand() throws {
        let broker = try Self.loggingBroker()
        defer { broker.stop() }
        let seq = try broker.publish("rel.last", text: "hello")
        let state = try runPlexus(["events", "--broker", broker.control])
        #expect(state.status == 0, "\(state.stderr)")
        #expect(state.stdout.contains("event log: on"))
        #expect(state.stdout.contains("head seq: "))
        #expect(state.stdout.contains("retention: "))
        let json = try runPlexus(["events", "--json", "--broker", broker.control])
        let decoded = try JSONCoding.decode(EventLogState.self, from: Array(json.stdout.utf8), what: "events")
        #expect(decoded.enabled && decoded.headSeq >= seq)
        let last = try runPlexus(["events", "last", "rel.last", "--json", "--broker", broker.control])
        #expect(last.status == 0, "\(last.stderr)")
        let line = try #require(Self.lines(last.stdout).first)
        #expect(line["seq"] as? Int == Int(seq))
        #expect(line["data"] as? String == "hello")
        let none = try runPlexus(["events", "last", "rel.none", "--broker", broker.control])
        #expect(none.status != 0)
        #expect(none.stderr.contains("no stored event on rel.none"))
    }

    @Test("plexus publish without a broker exits non-zero with one clear line, with or without --ack")
    func publishWithoutBroker() throws {
        for ack in [false, true] {
            let result = try runPlexus(
                ["publish", "rel.x", "data", "--broker", "127.0.0.1:1", "--timeout", "2"] + (ack ? ["--ack"] : []))
            #expect(result.status != 0)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("cannot reach the broker"))
        }
    }
}
