import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing
import ZeroMQ

/// The flood of issue 11: a raw PUB sending 64-byte events as fast as libzmq goes, into a broker whose
/// per-subscriber queue is small, so that the live path drops. The CLI's `subscribe --json` and an
/// SDK `ReliableSubscriber` still get every event the broker stamped, exactly once and in order,
/// repaired from the log.
@Suite("Flood: subscribers repair what the live path dropped", .serialized)
struct FloodTests {
    static let total = 100_000

    @Test("under a 64-byte flood, plexus subscribe --json and a ReliableSubscriber get every stamped event once, in order")
    func floodIsRepaired() throws {
        let data = try TestDirectory.make()
        defer { TestDirectory.remove(data) }
        let broker = try TestBroker(
            topology: "broker:\n  heartbeat_ms: 200\nevents:\n  high_water_marks: { events_out: 100 }\n",
            arguments: ["--data", data.path])
        defer { broker.stop() }
        let cli = try TestProcess.plexus(
            ["subscribe", "flood.>", "--json", "--timeout", "180", "--broker", broker.control], name: "cli-flood")
        defer { cli.stop() }
        let discover = try broker.client().discover()
        let subscriber = try ReliableSubscriber(
            control: try broker.client(), eventsOut: discover.eventsOut, patterns: ["flood.>"], receiveHighWaterMark: 100)
        try broker.waitForSubscriptions(4)  // the CLI's pattern and heartbeat, and ours
        _ = try subscriber.next(timeout: 1)  // its first heartbeat

        let context = try ZMQContext()
        let publisher = try context.socket(.pub)
        defer { publisher.close() }
        try publisher.setSendHighWaterMark(0)
        try publisher.setLinger(milliseconds: 5_000)
        try publisher.connect(broker.endpoints.eventsIn)
        let client = try broker.client()
        // Until the publisher's connection carries events (a fresh PUB loses what it sends before).
        #expect(
            waitUntil(timeout: 10) {
                _ = try? publisher.send(multipart: [Array("flood.probe".utf8), []])
                return ((try? client.stats().topics["flood.probe"]?.count) ?? 0) > 0
            })
        let payload = [UInt8](repeating: 0x61, count: 64)
        for index in 0..<Self.total {
            _ = try publisher.send(multipart: [Array((index % 2 == 0 ? "flood.a" : "flood.b").utf8), payload])
        }
        #expect(
            waitUntil(timeout: 60, interval: 0.1) {
                let topics = (try? client.stats().topics) ?? [:]
                return (topics["flood.a"]?.count ?? 0) + (topics["flood.b"]?.count ?? 0) == UInt64(Self.total)
            })

        // What the broker stamped, from its log: the truth both subscribers must match.
        let stored = try EventLogLiveTests.replayAll(client, ReplayRequest(pattern: "flood.>", fromSeq: 1, maxEvents: 10_000))
        #expect(stored.gaps.isEmpty)
        let expected = stored.events.map(\.meta.seq)
        #expect(expected.count >= Self.total)
        // Exactly once, and in order per topic (a repaired event may come after a later one of another topic).
        let topicOf = Dictionary(uniqueKeysWithValues: stored.events.map { ($0.meta.seq, $0.topic) })
        func perTopic(_ seqs: [UInt64]) -> [String: [UInt64]] {
            Dictionary(grouping: seqs) { topicOf[$0] ?? "?" }
        }
        let expectedPerTopic = perTopic(expected)

        var received: [UInt64] = []
        var losses: [EventLoss] = []
        let deadline = Date().addingTimeInterval(120)
        while received.count < expected.count, Date() < deadline {
            guard let delivery = try subscriber.next(timeout: 2) else { continue }
            switch delivery {
            case .event(let event): received.append(event.meta.seq)
            case .lost(let loss): losses.append(loss)
            case .epochChanged: break
            }
        }
        #expect(losses.isEmpty)
        #expect(
            perTopic(received) == expectedPerTopic,
            "the SDK subscriber got \(received.count) of \(expected.count); \(Self.difference(received, expected))")

        func cliSeqs() -> [UInt64] {
            cli.stdout.split(separator: "\n").compactMap { line -> UInt64? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    (object["topic"] as? String)?.hasPrefix("flood.") == true
                else { return nil }
                return (object["seq"] as? Int).map(UInt64.init)
            }
        }
        #expect(waitUntil(timeout: 120, interval: 0.5) { cliSeqs().count >= expected.count || !cli.isRunning })
        #expect(
            perTopic(cliSeqs()) == expectedPerTopic,
            "plexus subscribe got \(cliSeqs().count) of \(expected.count): \(Self.difference(cliSeqs(), expected)); stderr: \(cli.stderr.suffix(2000))"
        )
        #expect(!cli.stdout.contains("\"lost\""))

        let stats = try client.stats()
        // The point of the test: the live path did drop, and the repair filled it.
        #expect(stats.dropped > 0, "no drop happened: the flood did not outrun the subscribers")
        #expect(subscriber.counters.eventsRepaired > 0)
    }

    /// Where two seq lists part, for a failure message that fits on a screen.
    static func difference(_ got: [UInt64], _ expected: [UInt64]) -> String {
        let missing = Set(expected).subtracting(got).sorted()
        let extra = Set(got).subtracting(expected).sorted()
        return "missing \(missing.count) (first \(missing.prefix(5))), extra \(extra.count) (first \(extra.prefix(5))), "
            + "repeats \(got.count - Set(got).count)"
    }
}
