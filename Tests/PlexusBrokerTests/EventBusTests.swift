import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

@Suite("Event bus with third-party clients (pyzmq)", .serialized)
struct EventBusTests {
    @Test("a raw pyzmq PUB reaches a raw pyzmq SUB and plexus subscribe, stamped with sequence numbers")
    func rawPyzmqThroughBroker() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let raw = try TestProcess.python(
            Paths.fixture("raw_subscriber.py"), [broker.endpoints.eventsOut, "demo.", "5", "20"],
            name: "raw-sub")
        defer { raw.stop() }
        let cli = try TestProcess.plexus(
            [
                "subscribe", "demo.*", "--json", "--count", "5", "--timeout", "20",
                "--broker", broker.control,
            ], name: "cli-sub")
        defer { cli.stop() }
        try broker.waitForSubscriptions(2)

        // Plain [topic, payload]; the publisher repeats so that its own slow-joiner loss does not matter.
        let publisher = try TestProcess.python(
            Paths.fixture("raw_publisher.py"), [broker.endpoints.eventsIn, "demo.raw", "60", "20"],
            name: "raw-pub")
        defer { publisher.stop() }
        #expect(raw.waitForExit(timeout: 20) == 0, "raw subscriber: \(raw.stderr)")
        #expect(cli.waitForExit(timeout: 20) == 0, "plexus subscribe: \(cli.stderr)")

        let rawEvents = try raw.stdoutLines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(rawEvents.count == 5)
        var previousSeq = 0
        for event in rawEvents {
            #expect(event["frames"] as? Int == 3)
            #expect(event["topic"] as? String == "demo.raw")
            let meta = try #require(event["meta"] as? [String: Any])
            let seq = try #require(meta["seq"] as? Int)
            #expect(seq > previousSeq)
            previousSeq = seq
            #expect(meta["source"] as? String == "anonymous")
            #expect((meta["time"] as? Int ?? 0) > 1_600_000_000_000_000)
        }
        let cliSeqs = cli.stdoutLines.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["seq"] as? Int
        }
        #expect(cliSeqs.count == 5)
        #expect(cliSeqs == cliSeqs.sorted() && Set(cliSeqs).count == 5)
    }

    @Test("a headers frame names the source and passes other headers through")
    func headers() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let subscriber = try broker.subscriber(["hdr.>"])
        try broker.waitForSubscriptions(1)
        let publisher = try TestProcess.python(
            Paths.fixture("raw_publisher.py"),
            [broker.endpoints.eventsIn, "hdr.x", "100", "20", #"{"source":"py-1","trace":"abc"}"#],
            name: "hdr-pub")
        defer { publisher.stop() }
        let event = try #require(try subscriber.next(timeout: 10))
        #expect(event.meta.source == "py-1")
        #expect(event.meta.headers == ["trace": "abc"])
    }

    @Test("patterns: exact, one token and the rest")
    func patterns() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let exact = try broker.subscriber(["user.created"])
        let oneToken = try broker.subscriber(["user.*"])
        let rest = try broker.subscriber(["user.>"])
        try broker.waitForSubscriptions(3)
        let client = try broker.client()
        for topic in ["user.created.extra", "user.createdX", "user.deleted", "users.x", "user.created"] {
            _ = try client.publish(PublishRequest(topic: topic, payload: []))
        }
        #expect(try exact.next(timeout: 5)?.topic == "user.created")
        #expect(try oneToken.next(timeout: 5)?.topic == "user.createdX")
        #expect(try oneToken.next(timeout: 5)?.topic == "user.deleted")
        #expect(try oneToken.next(timeout: 5)?.topic == "user.created")
        #expect(try rest.next(timeout: 5)?.topic == "user.created.extra")
        #expect(try exact.next(timeout: 0.3) == nil)
    }

    @Test("garbage on every endpoint leaves the broker serving, counted")
    func garbage() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let garbage = try TestProcess.python(
            Paths.fixture("garbage.py"),
            [broker.control, broker.endpoints.eventsIn, broker.endpoints.eventsOut, "7", "300"],
            name: "garbage")
        #expect(garbage.waitForExit(timeout: 60) == 0, "\(garbage.stderr)")
        #expect(broker.process.isRunning)

        let client = try broker.client()
        _ = try client.ping()
        let stats = try client.stats()
        #expect((stats.malformed["control"] ?? 0) > 100)
        #expect((stats.malformed["events"] ?? 0) > 100)

        // Still forwarding real events.
        let subscriber = try broker.subscriber(["after.garbage"])
        try broker.waitForSubscriptions(1)
        let seq = try client.publish(PublishRequest(topic: "after.garbage", payload: Array("ok".utf8)))
        let event = try #require(try subscriber.next(timeout: 5))
        #expect(event.meta.seq == seq)
        #expect(try runPlexus(["ping", "--broker", broker.control]).status == 0)
    }
}
