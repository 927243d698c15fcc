import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// The broker's event log over its public commands (docs/PROTOCOL.md section 10): REPLAY, EVENTS,
/// acknowledged publishes, seqs across a SIGKILL, the event heartbeat and durable cursors.
@Suite("Event log, replay and durable cursors (live broker)", .serialized)
struct EventLogLiveTests {
    /// Every stored event matching `request`, following `next_seq` until `done`; and the gaps reported.
    static func replayAll(_ client: ControlClient, _ request: ReplayRequest) throws -> (events: [ReceivedEvent], gaps: [SeqGap]) {
        var request = request
        var events: [ReceivedEvent] = []
        var gaps: [SeqGap] = []
        for _ in 0..<10_000 {
            let answer = try ReplayAnswer.decode(try client.request(.replay(request)))
            events += answer.events.compactMap { ReceivedEvent.decode($0.frames) }
            gaps += answer.batch.gaps
            if answer.batch.done { return (events, gaps) }
            request = request.continuing(after: answer.batch.scannedTo)
        }
        Issue.record("REPLAY did not finish in 10,000 batches")
        return (events, gaps)
    }

    static func state(_ client: ControlClient) throws -> EventLogState {
        try client.request(.events(lastOf: nil), as: EventLogState.self)
    }

    @Test("REPLAY pages by pattern from a seq, a time or the last N, with the live META bytes; EVENTS reports the log")
    func replayPaging() throws {
        let broker = try TestBroker(topology: "plugins: {}\n")
        defer { broker.stop() }
        let client = try broker.client()
        let live = try broker.subscribe("a.>")
        var published: [UInt64] = []
        for index in 0..<30 {
            let topic = index % 3 == 0 ? "b.other" : "a.x\(index % 2)"
            published.append(try client.publish(PublishRequest(topic: topic, payload: Array("\(index)".utf8))))
        }
        var liveEvents: [ReceivedEvent] = []
        for _ in 0..<20 { liveEvents.append(try live.waitForEvent(topic: "a.>", timeout: 10)) }

        // Five at a time: every a.* event once, in seq order, as the live subscriber saw it.
        let (replayed, gaps) = try Self.replayAll(client, ReplayRequest(pattern: "a.>", fromSeq: 1, maxEvents: 5))
        #expect(gaps.isEmpty)
        #expect(replayed == liveEvents, "replay and live differ")
        #expect(replayed.map(\.meta.seq) == replayed.map(\.meta.seq).sorted())
        // prev chains each topic.
        var last: [String: UInt64] = [:]
        for event in replayed {
            if let previous = last[event.topic] { #expect(event.meta.prev == previous) }
            last[event.topic] = event.meta.seq
        }

        let lastThree = try Self.replayAll(client, ReplayRequest(pattern: "a.>", last: 3)).events
        #expect(lastThree.map(\.meta.seq) == Array(replayed.suffix(3).map(\.meta.seq)))
        let tenth = replayed[9]
        let fromTime = try Self.replayAll(client, ReplayRequest(pattern: "a.>", fromTime: tenth.meta.time)).events
        #expect(fromTime.first?.meta.seq == tenth.meta.seq)
        let bounded = try Self.replayAll(client, ReplayRequest(pattern: ">", fromSeq: published[0], toSeq: published[4])).events
        #expect(bounded.map(\.meta.seq) == Array(published[0...4]))

        let state = try Self.state(client)
        #expect(state.enabled && state.lastSeq >= published.last! && state.headSeq >= published.last!)
        #expect(state.events >= 30 && state.droppedByWriter == 0 && state.firstSeq >= 1)
        let lastStored = try client.request(.events(lastOf: "b.other"))
        #expect(ReceivedEvent.decode(lastStored)?.meta.seq == published[27])

        // Bad requests name what is wrong, and change nothing.
        for (frame, expected) in [
            (#"{"pattern": "a.>", "from_seq": 1, "last": 2}"#, "at most one of"),
            (#"{"pattern": "a.*x"}"#, "pattern"),
            (#"{"pattern": "a.>", "max_events": 1e9}"#, "max_events"),
            (#"{"from_seq": 1}"#, "pattern"),
        ] {
            let reply = try RawPeer(endpoint: broker.control).request("REPLAY", [Array(frame.utf8)])
            guard case .error(_, let error) = reply else {
                Issue.record("\(frame): \(String(describing: reply))")
                continue
            }
            #expect(error.code == 400 && error.message.contains(expected), "\(frame): \(error.message)")
        }
        #expect(try broker.client().stats().malformed["control", default: 0] >= 4)
    }

    @Test("after a SIGKILL seqs go on above every number used, prev continues, and every acked event is stored once")
    func seqsSurviveSIGKILL() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let topology = "plugins: {}\n"
        var acked: [UInt64] = []
        let epoch: String
        do {
            let first = try TestBroker(topology: topology, directory: directory)
            let client = try first.client()
            for index in 0..<50 {
                acked.append(try client.publish(PublishRequest(topic: "t.a", payload: Array("\(index)".utf8))))
            }
            epoch = try Self.state(client).epoch
            first.process.signal(SIGKILL)
            #expect(first.process.waitForExit(timeout: 10) != nil)
            first.stop()
        }
        let second = try TestBroker(topology: topology, directory: directory)
        defer { second.stop() }
        let client = try second.client()
        let next = try client.publish(PublishRequest(topic: "t.a", payload: Array("after".utf8)))
        #expect(next > acked.max()!)
        let (stored, gaps) = try Self.replayAll(client, ReplayRequest(pattern: "t.a", fromSeq: 1))
        #expect(gaps.isEmpty)
        #expect(stored.map(\.meta.seq) == acked + [next])
        #expect(stored.last?.meta.prev == acked.last)
        #expect(stored.allSatisfy { $0.meta.epoch == epoch })
        #expect(Set(stored.map(\.meta.seq)).count == stored.count)
        #expect(try Self.state(client).epoch == epoch)

        // The CLI from the first seq: every acknowledged event exactly once, no seq twice.
        let cli = try TestProcess.plexus(
            ["subscribe", ">", "--from-seq", "1", "--json", "--timeout", "4", "--broker", second.control], name: "cli-replay")
        defer { cli.stop() }
        #expect(cli.waitForExit(timeout: 20) != nil)
        let lines = cli.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let seqs = lines.compactMap { ($0["seq"] as? Int).map(UInt64.init) }
        #expect(Set(seqs).count == seqs.count, "a seq printed twice")
        let printed = lines.filter { $0["topic"] as? String == "t.a" }.compactMap { ($0["seq"] as? Int).map(UInt64.init) }
        #expect(printed == acked + [next], "stderr: \(cli.stderr.suffix(1000))")
    }

    @Test("the event heartbeat comes about once a second with the head seq; it is not stored")
    func eventHeartbeat() throws {
        let broker = try TestBroker(topology: "broker: { heartbeat_ms: 200 }\nplugins: {}\n")
        defer { broker.stop() }
        let heartbeats = try broker.subscribe(EventHeartbeat.topic)
        let seq = try broker.publish("hb.check", text: "x")
        var seen: [EventHeartbeat] = []
        while seen.count < 3 {
            let event = try heartbeats.waitForEvent(topic: EventHeartbeat.topic, timeout: 5)
            #expect(event.meta.seq == 0 && event.meta.source == PlexusConstants.brokerSource)
            seen.append(try JSONCoding.decode(EventHeartbeat.self, from: event.payload, what: "heartbeat"))
        }
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $1.n == $0.n + 1 })
        #expect(seen.last!.head >= seq)
        let stored = try Self.replayAll(try broker.client(), ReplayRequest(pattern: ">", fromSeq: 1)).events
        #expect(!stored.contains { $0.topic == EventHeartbeat.topic })
    }

    @Test("a REPLAY from before retention's first seq gets 410 truncated with first_seq")
    func truncatedReplay() throws {
        let broker = try TestBroker(topology: "events: { retention: { max_bytes: 1MiB } }\nplugins: {}\n")
        defer { broker.stop() }
        let client = try broker.client()
        let payload = [UInt8](repeating: 0x62, count: 16 << 10)
        var firstSeq: UInt64 = 0
        for index in 0..<400 {
            let seq = try client.publish(PublishRequest(topic: "big.t", payload: payload))
            if index == 0 { firstSeq = seq }
        }
        let state = try Self.state(client)
        #expect(state.firstSeq > firstSeq, "retention kept everything: \(state)")
        #expect(state.bytes <= 1 << 20 + (256 << 10))
        do {
            _ = try client.request(.replay(ReplayRequest(pattern: ">", fromSeq: firstSeq)))
            Issue.record("REPLAY from a removed seq was answered")
        } catch {
            guard case .rejected(let protocolError) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(protocolError.knownCode == .truncated)
            #expect(protocolError.details?["first_seq"]?.intValue == Int(state.firstSeq))
        }
    }

    @Test("durable cursors: OPEN, ACK only forward, survive a restart; another pattern is 409; DEAD publishes a dead letter")
    func durableCursors() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let topology = "plugins: {}\n"
        do {
            let broker = try TestBroker(topology: topology, directory: directory)
            defer { broker.stop() }
            let client = try broker.client()
            let head = try client.publish(PublishRequest(topic: "order.new", payload: Array("1".utf8)))
            let opened = try client.request(
                .durable(.open(DurableOpen(name: "billing", pattern: "order.>"))), as: DurableCursor.self)
            #expect(opened.created == true && opened.acked == head)
            let again = try client.request(
                .durable(.open(DurableOpen(name: "billing", pattern: "order.>"))), as: DurableCursor.self)
            #expect(again.created == false && again.acked == head)
            #expect(throws: ClientError.self) {
                try client.request(.durable(.open(DurableOpen(name: "billing", pattern: "user.>"))))
            }
            let next = try client.publish(PublishRequest(topic: "order.new", payload: Array("2".utf8)))
            _ = try client.request(.durable(.ack(name: "billing", seq: next)))
            _ = try client.request(.durable(.ack(name: "billing", seq: head)))  // backwards: ignored

            let letters = try broker.subscribe("plexus.deadletter.>")
            let letter = DurableDeadLetter(name: "billing", seq: next, topic: "order.new", error: "card declined", attempts: 5)
            let dead = try client.request(.durable(.dead(letter, payload: Array("2".utf8))), as: PublishReply.self)
            let event = try letters.waitForEvent(topic: "plexus.deadletter.billing", timeout: 10)
            #expect(event.meta.seq == dead.seq && event.payload == Array("2".utf8))
            #expect(event.meta.headers["original_seq"] == String(next) && event.meta.headers["error"] == "card declined")
            #expect(event.meta.headers["attempts"] == "5" && event.meta.headers["original_topic"] == "order.new")
            broker.process.signal(SIGKILL)
            _ = broker.process.waitForExit(timeout: 10)
        }
        let broker = try TestBroker(topology: topology, directory: directory)
        defer { broker.stop() }
        let client = try broker.client()
        let listed = try client.request(.durable(.list), as: [DurableCursor].self)
        #expect(listed.count == 1 && listed.first?.name == "billing" && listed.first?.pattern == "order.>")
        let reopened = try client.request(
            .durable(.open(DurableOpen(name: "billing", pattern: "order.>"))), as: DurableCursor.self)
        #expect(reopened.created == false && reopened.acked == listed.first?.acked && reopened.acked > 0)
        _ = try client.request(.durable(.delete(name: "billing")))
        #expect(try client.request(.durable(.list), as: [DurableCursor].self).isEmpty)
        #expect(throws: ClientError.self) { try client.request(.durable(.ack(name: "billing", seq: 1))) }
    }

    @Test("SUBSCRIBER reports show in STATS; a broker without a data directory answers REPLAY with 503")
    func reportsAndNoLog() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let client = try broker.client()
        let report = SubscriberReport(
            id: "audit-1/main", patterns: [">"], received: 10, delivered: 9, gapsSeen: 2, gapsRepaired: 1, eventsRepaired: 3,
            eventsLost: 1)
        _ = try client.request(.subscriber(report))
        let listed = try #require(try client.stats().subscribers?.first)
        #expect(listed.id == "audit-1/main" && listed.gapsSeen == 2 && listed.eventsLost == 1 && listed.reportedAt != nil)
        #expect(try Self.state(client).enabled == false)
        do {
            _ = try client.request(.replay(ReplayRequest(pattern: ">")))
            Issue.record("REPLAY without a log was answered")
        } catch {
            guard case .rejected(let protocolError) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(protocolError.knownCode == .unavailable && protocolError.message.contains("data directory"))
        }
    }
}
