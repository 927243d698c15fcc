import Foundation
import PlexusBroker
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing
import ZeroMQ

@Suite("Broker control endpoint (live broker process)", .serialized)
struct BrokerControlTests {
    @Test("ping, discover, acknowledged publish and stats")
    func basics() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let client = try broker.client()

        let (pong, roundTrip) = try client.ping()
        #expect(pong.pong && pong.version == PlexusConstants.version)
        #expect(roundTrip < 5)

        let discovered = try client.discover()
        #expect(discovered.control == broker.endpoints.control)
        #expect(discovered.eventsIn == broker.endpoints.eventsIn)
        #expect(discovered.eventsOut == broker.endpoints.eventsOut)
        #expect(discovered.heartbeatMilliseconds == 1000 && discovered.liveness == 3)

        let first = try client.publish(PublishRequest(topic: "t.one", payload: [1]))
        let second = try client.publish(PublishRequest(topic: "t.one", payload: [2, 3]))
        #expect(second == first + 1)
        let stats = try client.stats()
        #expect(stats.topics["t.one"] == TopicStats(count: 2, bytes: 3, lastSeq: second))
        #expect(stats.eventsIn == stats.eventsOut)
    }

    @Test("unknown commands and headers get clear errors; REQ clients work; unregistered sessions get 401")
    func protocolErrors() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let context = try ZMQContext()
        let dealer = try context.socket(.dealer)
        try dealer.setReceiveTimeout(milliseconds: 5_000)
        try dealer.connect(broker.control)

        func ask(_ frames: [[UInt8]]) throws -> [[UInt8]] {
            try dealer.send(multipart: [[]] + frames)
            return try #require(try dealer.receiveMultipart())
        }
        let unknown = try ClientReply.decode(try ask([Array("PLXC01".utf8), Array("FROB".utf8), Array("r1".utf8)]).dropFirst())
        guard case .error(let id, let error) = unknown else { Issue.record("expected ERR"); return }
        #expect(id == Array("r1".utf8))
        #expect(error.code == 405 && error.error == "unknown_command")

        let header = try ClientReply.decode(try ask([Array("ZMTP99".utf8), Array("PING".utf8)]).dropFirst())
        guard case .error(_, let headerError) = header else { Issue.record("expected ERR"); return }
        #expect(headerError.code == 426)

        let orphan = try BrokerMessage.decode(try ask(PluginMessage.heartbeat.encode()).dropFirst())
        guard case .error(let orphanError) = orphan else { Issue.record("expected ERR"); return }
        #expect(orphanError.code == 401)

        let req = try context.socket(.req)
        try req.setReceiveTimeout(milliseconds: 5_000)
        try req.connect(broker.control)
        try req.send(multipart: ClientRequest(requestID: [], command: .ping).encode())
        let reply = try ClientReply.decode(try #require(try req.receiveMultipart())[...])
        guard case .ok(_, let body) = reply else { Issue.record("expected OK"); return }
        #expect(try JSONCoding.decode(PingReply.self, from: body[0], what: "ping").pong)

        let stats = try broker.client().stats()
        #expect(stats.malformed["control"] == 2)
        #expect(stats.malformed["plugin"] == 1)
    }

    @Test("404 and 409 answers are counted as client errors, not as malformed input")
    func clientErrorsAreNotMalformed() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let client = try broker.client()
        #expect(throws: ClientError.self) { try client.request(.lifecycle(.restart, plugin: "nope")) }
        #expect(throws: ClientError.self) { try client.request(.tasks(.pause, argument: "no-such-task")) }
        let stats = try client.stats()
        #expect(stats.clientErrors?["not_found"] == 2)
        #expect(stats.malformed["tasks"] == nil && stats.malformed["control"] == nil)
    }

    @Test("CLI: publish --ack, publish from stdin, subscribe --json, plugins --json, ping")
    func cli() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let subscribe = try TestProcess.plexus(
            [
                "subscribe", "cli.>", "--json", "--count", "2", "--timeout", "20",
                "--broker", broker.control,
            ], name: "subscribe")
        defer { subscribe.stop() }
        try broker.waitForSubscriptions(1)

        let acked = try runPlexus([
            "publish", "cli.one", #"{"n":1}"#, "--ack", "--header", "trace=t1", "--broker", broker.control,
        ])
        #expect(acked.status == 0)
        #expect(acked.stdout.contains("seq="))
        let piped = try runPlexus(["publish", "cli.two", "-", "--broker", broker.control], stdin: Data([0xFF, 0x00, 0x41]))
        #expect(piped.status == 0, "\(piped.stderr)")

        #expect(subscribe.waitForExit(timeout: 20) == 0, "\(subscribe.stderr)")
        let lines = try subscribe.stdoutLines.map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        #expect(lines.count == 2)
        #expect(lines.first?["topic"] as? String == "cli.one")
        #expect(lines.first?["data"] as? String == #"{"n":1}"#)
        #expect((lines.first?["headers"] as? [String: String])?["trace"] == "t1")
        #expect(lines.first?["time"] is String && lines.first?["source"] is String)
        let firstSeq = lines.first?["seq"] as? Int ?? 0
        #expect(lines.last?["seq"] as? Int == firstSeq + 1)
        #expect(lines.last?["data_base64"] as? String == Data([0xFF, 0x00, 0x41]).base64EncodedString())

        let plugins = try runPlexus(["plugins", "--json", "--broker", broker.control])
        #expect(plugins.status == 0)
        #expect(plugins.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let ping = try runPlexus(["ping", "--broker", broker.control])
        #expect(ping.status == 0 && ping.stdout.contains("pong"))
    }

    @Test("CLI client commands fail within --timeout with one clear line")
    func cliTimeout() throws {
        // Something listens but never answers (a ROUTER that reads nothing): the full timeout, then one line.
        let context = try ZMQContext()
        let silent = try context.socket(.router)
        defer { silent.close() }
        try silent.setLinger(milliseconds: 0)
        let endpoint = try silent.bind("tcp://127.0.0.1:*")
        let started = Date()
        for command in [["ping"], ["plugins"], ["publish", "a.b", "x", "--ack"], ["subscribe", "a"]] {
            let result = try runPlexus(command + ["--broker", endpoint, "--timeout", "0.5"])
            #expect(result.status != 0, "\(command)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("no answer"), "\(command): \(result.stderr)")
        }
        #expect(Date().timeIntervalSince(started) < 15)
        let bad = try runPlexus(["publish", "a..b", "x"])
        #expect(bad.status != 0 && bad.stderr.contains("empty token"))
    }

    @Test("with nothing listening, client commands say so at once, in the CLI's terms; endpoints take HOST:PORT")
    func nothingListening() throws {
        for command in [["ping"], ["status"], ["publish", "a.b", "x"], ["publish", "a.b", "x", "--ack"], ["subscribe", "a"]] {
            let started = Date()
            let result = try runPlexus(command + ["--broker", "127.0.0.1:9"])
            #expect(result.status == 1, "\(command): \(result)")
            #expect(Date().timeIntervalSince(started) < 1.5, "\(command) took \(Date().timeIntervalSince(started)) s")
            #expect(
                result.stderr.contains("cannot reach the broker at tcp://127.0.0.1:9 (connection refused)")
                    && result.stderr.contains("plexus broker"), "\(command): \(result.stderr)")
        }
        for bad in ["foo", "http://127.0.0.1:7700", "127.0.0.1:99999", "127.0.0.1:"] {
            let result = try runPlexus(["ping", "--broker", bad])
            #expect(result.status == 64 && result.stderr.contains("expected tcp://HOST:PORT or HOST:PORT"), "\(bad): \(result)")
        }
        let broker = try TestBroker(topology: "plugins: {}\n")
        defer { broker.stop() }
        let short = String(broker.control.dropFirst("tcp://".count))
        let ping = try runPlexus(["ping", "--broker", short])
        #expect(ping.status == 0 && ping.stdout.contains("pong"), "\(ping)")
    }

    @Test("broker exits 0 on SIGTERM and SIGINT, and reports a port already in use")
    func signalsAndBindErrors() throws {
        for signal in [SIGTERM, SIGINT] {
            let broker = try TestBroker()
            let clash = try runPlexus([
                "broker", "--control", broker.control, "--events-in", "tcp://127.0.0.1:*",
                "--events-out", "tcp://127.0.0.1:*",
            ])
            #expect(clash.status != 0)
            #expect(clash.stderr.contains("Address already in use"), "\(clash.stderr)")
            broker.process.signal(signal)
            #expect(broker.process.waitForExit(timeout: 10) == 0)
        }
    }
}

@Suite("Other threads use the control path the CLI uses")
struct InprocControlTests {
    @Test("a client on inproc:// gets the same answers as one on tcp://, CALL included")
    func inprocClient() async throws {
        let broker = try Broker(
            configuration: BrokerConfiguration(
                controlEndpoint: "tcp://127.0.0.1:*", eventsInEndpoint: "tcp://127.0.0.1:*",
                eventsOutEndpoint: "tcp://127.0.0.1:*"))
        let thread = Thread { broker.run() }
        thread.start()
        defer { broker.requestStop() }
        let inproc = try broker.client(timeout: 5)
        let tcp = try ControlClient(endpoint: broker.endpoints.control, timeout: 5)
        #expect(try inproc.ping().0.broker == broker.brokerID)
        #expect(try inproc.discover() == (try tcp.discover()))
        #expect(try inproc.status() == (try tcp.status()))
        let seq = try inproc.publish(PublishRequest(topic: "inproc.x", payload: Array("y".utf8)))
        #expect(try tcp.stats().topics["inproc.x"]?.lastSeq == seq)
        // No instance offers it: the dispatcher's answer, through the same path.
        do {
            _ = try inproc.call("nobody.home", body: [])
            Issue.record("CALL succeeded")
        } catch ClientError.rejected(let error) {
            #expect(error.code == 404)
        }
        broker.requestStop()
        await broker.waitUntilFinished()
    }
}
