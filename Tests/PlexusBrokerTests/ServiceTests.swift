import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing
import ZeroMQ

@Suite("Services through the broker (live processes)", .serialized)
struct ServiceTests {
    static func topology(instances: Int, extra: String = "") -> String {
        """
        plugins:
          svc:
            command: [\(yamlQuoted(Paths.testPlugin))]
            instances: \(instances)
            config: { fail_flag: /nonexistent }
        \(extra)
        """
    }

    @Test("calls spread over three instances least-recently-used first; greeter.hello answers")
    func loadBalancing() throws {
        let broker = try TestBroker(
            topology: Self.topology(instances: 3) + """
                  greeter:
                    command: [\(yamlQuoted(Paths.greeter))]
                    config: { greeting: Hi }
                """)
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        try broker.waitForRunning("greeter")
        let client = try broker.client()
        var served: [String: Int] = [:]
        for n in 0..<30 {
            let reply = String(decoding: try client.call("test.echo", body: Array("\(n)".utf8)), as: UTF8.self)
            served[String(reply.split(separator: ":")[0]), default: 0] += 1
        }
        #expect(served == ["svc-1": 10, "svc-2": 10, "svc-3": 10])
        #expect(String(decoding: try client.call("greeter.hello", body: Array("ada".utf8)), as: UTF8.self) == "Hi, ada!")

        let cli = try runPlexus(["call", "greeter.hello", #"{"name":"bob"}"#, "--broker", broker.control])
        #expect(cli.status == 0 && cli.stdout == "Hi, bob!\n")
        let table = try client.request(.services, as: [ServiceInfo].self)
        let echo = try #require(table.first { $0.name == "test.echo" })
        #expect(echo.requests == 30 && echo.errors == 0 && echo.instances.count == 3 && echo.breaker == "closed")
        #expect(echo.averageMilliseconds > 0 && echo.p99Milliseconds >= echo.averageMilliseconds)
    }

    @Test("deadlines: a slow handler is cancelled at the caller's deadline; a queued request past it is never started")
    func deadlines() throws {
        let broker = try TestBroker(topology: Self.topology(instances: 1))
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        let control = broker.control
        // Occupy the only instance for 1.5 s from another thread.
        let busy = JoinableThread {
            _ = try? ControlClient(endpoint: control, timeout: 5)
                .call("test.slow", body: [], options: CallOptions(timeoutMilliseconds: 5_000, headers: ["sleep_ms": "1500"]))
        }
        let client = try broker.client()
        #expect(
            waitUntil(timeout: 5) {
                ((try? client.request(.services, as: [ServiceInfo].self))?.first { $0.name == "test.slow" }?.inFlight ?? 0) == 1
            })
        let started = Date()
        let queued = rejection { _ = try client.call("test.slow", body: [], options: CallOptions(timeoutMilliseconds: 300)) }
        #expect(queued?.code == 504)
        #expect(Date().timeIntervalSince(started) < 1.2)
        #expect(busy.join(timeout: 10), "the slow call did not end")

        let timedOut = rejection {
            _ = try client.call(
                "test.slow", body: [], options: CallOptions(timeoutMilliseconds: 300, headers: ["sleep_ms": "3000"]))
        }
        #expect(timedOut?.code == 504 && timedOut?.error == "timeout")
        // Only the two requests that reached the plugin were started; the queued one never was.
        #expect(
            waitUntil(timeout: 3) {
                ((try? runPlexus(["logs", "svc", "--broker", control]).stdout) ?? "").components(separatedBy: "serving test.slow")
                    .count - 1 == 2
            })
        // The instance is free again: the cancelled handler stopped.
        #expect(String(decoding: try client.call("test.echo", body: [1]), as: UTF8.self).hasPrefix("svc-1:"))
    }

    @Test("a full queue, an unknown service and a failing handler give their errors")
    func errors() throws {
        let broker = try TestBroker(topology: Self.topology(instances: 1, extra: "services:\n  test.slow: { queue: 1 }\n"))
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        let control = broker.control
        let callers = (0..<2).map { _ in
            JoinableThread {
                _ = try? ControlClient(endpoint: control, timeout: 5)
                    .call("test.slow", body: [], options: CallOptions(headers: ["sleep_ms": "1000"]))
            }
        }
        let client = try broker.client()
        #expect(
            waitUntil(timeout: 5) {
                ((try? client.request(.services, as: [ServiceInfo].self))?.first { $0.name == "test.slow" }?.queued ?? 0) == 1
            })
        #expect(rejection { _ = try client.call("test.slow", body: []) }?.code == 429)
        let unknown = rejection { _ = try client.call("no.such", body: []) }
        #expect(unknown?.code == 404 && unknown?.error == "unknown_service")
        let failure = rejection { _ = try client.call("test.fail", body: []) }
        #expect(failure?.code == 418 && failure?.error == "teapot" && failure?.message == "failing on purpose")
        let cli = try runPlexus(["call", "test.fail", "--broker", control])
        #expect(cli.status == 4 && cli.stderr.contains("418 teapot"))
        #expect(callers.allSatisfy { $0.join(timeout: 10) }, "a slow call did not end")
    }

    @Test("an instance killed mid-request: the call fails with 503, unless idempotent, then another instance answers")
    func killedMidRequest() throws {
        let broker = try TestBroker(topology: Self.topology(instances: 2))
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        let client = try broker.client()
        for idempotent in [false, true] {
            let outcome = Collected()
            let failure = Flag()
            let control = broker.control
            let caller = JoinableThread {
                do {
                    let reply = try ControlClient(endpoint: control, timeout: 10).call(
                        "test.slow", body: [],
                        options: CallOptions(timeoutMilliseconds: 8_000, headers: ["sleep_ms": "1500"], idempotent: idempotent))
                    outcome.add(UInt64(String(decoding: reply, as: UTF8.self).hasSuffix("-2") ? 2 : 1))
                } catch {
                    failure.set()
                }
            }
            let busy = try #require(
                waitFor(timeout: 5) { () -> String? in
                    let service = (try? client.request(.services, as: [ServiceInfo].self))?.first { $0.name == "test.slow" }
                    return service?.instances.first { $0.inFlight == 1 }?.instance
                })
            let victim = try #require(broker.status(of: "svc").first { $0.instance == busy })
            kill(victim.pid, SIGKILL)
            #expect(caller.join(timeout: 15), "the call did not end")
            if idempotent {
                #expect(!failure.isSet && outcome.count == 1, "idempotent call should be retried on the other instance")
                #expect(outcome.values.first == (busy.hasSuffix("-1") ? 2 : 1))
            } else {
                #expect(failure.isSet && outcome.count == 0)
            }
            try broker.waitForRunning("svc")
        }
    }

    @Test("the circuit breaker opens after repeated failures and closes after a successful trial")
    func circuitBreaker() throws {
        let dir = try TestDirectory.make()
        let flag = dir.appendingPathComponent("failing").path
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        let broker = try TestBroker(
            topology: """
                plugins:
                  svc:
                    command: [\(yamlQuoted(Paths.testPlugin))]
                    config: { fail_flag: \(yamlQuoted(flag)) }
                services:
                  test.flaky: { breaker: { failures: 2, cooldown: 500ms } }
                """, directory: dir)
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        let events = try broker.subscriber(["plexus.service.breaker"])
        try broker.waitForSubscriptions(2)
        let client = try broker.client()
        #expect(rejection { _ = try client.call("test.flaky", body: []) }?.code == 500)
        #expect(rejection { _ = try client.call("test.flaky", body: []) }?.code == 500)
        let open = rejection { _ = try client.call("test.flaky", body: []) }
        #expect(open?.code == 503 && open?.error == "circuit_open")
        #expect(try client.request(.services, as: [ServiceInfo].self).first { $0.name == "test.flaky" }?.breaker == "open")

        try FileManager.default.removeItem(atPath: flag)
        #expect(waitUntil(timeout: 5, interval: 0.1) { (try? client.call("test.flaky", body: [])) != nil })
        #expect(try client.request(.services, as: [ServiceInfo].self).first { $0.name == "test.flaky" }?.breaker == "closed")
        var states: [String] = []
        while let event = try events.next(timeout: 1) {
            states.append(try JSONCoding.decode([String: String].self, from: event.payload, what: "breaker")["state"] ?? "")
        }
        #expect(states == ["open", "half-open", "closed"])
    }

    @Test("a plugin calls another plugin's service with the Swift SDK's context.call")
    func pluginCallsService() throws {
        let broker = try TestBroker(
            topology: Self.topology(instances: 1) + """
                  greeter:
                    command: [\(yamlQuoted(Paths.greeter))]
                """)
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        try broker.waitForRunning("greeter")
        let reply = try broker.client().call("test.relay", body: Array("greeter.hello".utf8))
        #expect(String(decoding: reply, as: UTF8.self) == "svc-1 relayed: Welcome, from svc-1!")
        let failed = rejection { _ = try broker.client().call("test.relay", body: Array("no.such".utf8)) }
        #expect(failed?.code == 500 && failed?.message.contains("unknown_service") == true, "\(String(describing: failed))")
    }

    @Test("majortomo's Client calls a Plexus service; mmi.service answers 200, 404 and 501")
    func majortomoClient() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  greeter:
                    command: [\(yamlQuoted(Paths.greeter))]
                    config: { greeting: Hey }
                """)
        defer { broker.stop() }
        try broker.waitForRunning("greeter")
        func mdpCall(_ service: String, _ body: String) throws -> TestProcess {
            let client = try TestProcess.python(
                Paths.fixture("mdp_client.py"), [broker.control, service, body], name: "mdp-client")
            _ = client.waitForExit(timeout: 15)
            return client
        }
        let hello = try mdpCall("greeter.hello", "ada")
        #expect(hello.terminationStatus == 0, "\(hello.stderr)")
        #expect(hello.stdoutLines == ["Hey, ada!"])
        #expect(try mdpCall("mmi.service", "greeter.hello").stdoutLines == ["200"])
        #expect(try mdpCall("mmi.service", "no.such").stdoutLines == ["404"])
        #expect(try mdpCall("mmi.nothing", "x").stdoutLines == ["501"])
        // Errors reach Majordomo clients as the final body: the JSON error object.
        let unknown = try mdpCall("no.such", "x")
        #expect(unknown.stdout.contains(#""code":404"#) && unknown.stdout.contains("unknown_service"))
    }

    @Test("majortomo's Worker serves a service that plexus call and a Swift plugin call")
    func majortomoWorker() throws {
        let broker = try TestBroker(topology: Self.topology(instances: 1))
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        let worker = try TestProcess.python(Paths.fixture("mdp_worker.py"), [broker.control, "mdp.echo"], name: "mdp-worker")
        defer { worker.stop() }
        let client = try broker.client()
        #expect(
            waitUntil(timeout: 10) {
                (try? client.request(.services, as: [ServiceInfo].self))?.contains {
                    $0.name == "mdp.echo" && !$0.instances.isEmpty
                } == true
            }, "\(worker.stderr)")
        // It is a service instance in the registry.
        #expect(try broker.plugins().contains { $0.language == "majordomo" && $0.services == ["mdp.echo"] })

        let cli = try runPlexus(["call", "mdp.echo", "hello", "--json", "--broker", broker.control])
        #expect(cli.status == 0, "\(cli.stderr)")
        let lines = cli.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == #"{"partial":"working"}"#)
        #expect(lines.last?.contains(#""reply":"mdp:hello""#) == true)
        let relayed = try client.call("test.relay", body: Array("mdp.echo".utf8))
        #expect(String(decoding: relayed, as: UTF8.self) == "svc-1 relayed: mdp:from svc-1")

        // Killed: the broker evicts it and the service has no instance left.
        worker.signal(SIGKILL)
        #expect(
            waitUntil(timeout: 15, interval: 0.2) {
                (try? client.request(.services, as: [ServiceInfo].self))?.first { $0.name == "mdp.echo" }?.instances.isEmpty
                    ?? true
            })
    }

    @Test("an MDP/0.1 client on a REQ socket, written from RFC 7, calls a Plexus service; garbage changes nothing")
    func mdp01Client() throws {
        let broker = try TestBroker(
            topology: greeterOnlyTopology)
        defer { broker.stop() }
        try broker.waitForRunning("greeter")
        let context = try ZMQContext()
        let req = try context.socket(.req)
        try req.setReceiveTimeout(milliseconds: 5_000)
        try req.connect(broker.control)
        // RFC 7: a client sends [ "MDPC01", service, body ] (REQ adds the empty frame) and receives
        // [ "MDPC01", service, body ].
        try req.send(multipart: [Array("MDPC01".utf8), Array("greeter.hello".utf8), Array("rfc".utf8)])
        let reply = try #require(try req.receiveMultipart())
        #expect(reply == [Array("MDPC01".utf8), Array("greeter.hello".utf8), Array("Welcome, rfc!".utf8)])

        // Garbage in every Majordomo field: dropped or answered, never fatal.
        let dealer = try context.socket(.dealer)
        try dealer.connect(broker.control)
        var generator = SystemRandomNumberGenerator()
        for header in ["MDPC01", "MDPC02", "MDPW01", "MDPW02"] {
            for _ in 0..<50 {
                let count = Int.random(in: 0...5, using: &generator)
                var junk: [[UInt8]] = []
                for _ in 0..<count {
                    let length = Int.random(in: 0...12, using: &generator)
                    junk.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
                }
                try dealer.send(multipart: [[], Array(header.utf8)] + junk)
                try dealer.send(multipart: [Array(header.utf8)] + junk + [[]])
            }
        }
        #expect(try broker.client().ping().0.pong)
        try req.send(multipart: [Array("MDPC01".utf8), Array("greeter.hello".utf8), Array("again".utf8)])
        #expect(try req.receiveMultipart()?.last == Array("Welcome, again!".utf8))
        #expect((try broker.client().stats().malformed["majordomo"] ?? 0) > 50)
    }

    @Test("streaming: partial answers arrive before the final one, in order")
    func streaming() throws {
        let broker = try TestBroker(topology: Self.topology(instances: 1))
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        let cli = try runPlexus(["call", "test.stream", "--json", "--broker", broker.control])
        #expect(cli.status == 0, "\(cli.stderr)")
        let lines = cli.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.prefix(3) == [#"{"partial":"part 1"}"#, #"{"partial":"part 2"}"#, #"{"partial":"part 3"}"#])
        #expect(lines.last?.contains(#""reply":"svc-1: done""#) == true)
    }
}
