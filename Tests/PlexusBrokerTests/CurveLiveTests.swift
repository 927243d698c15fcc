import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing
import ZeroMQ

/// CurveZMQ on a live broker (`security.curve`, docs/SECURITY.md): supervised plugins get keys and work
/// unchanged; a known client is answered; unknown keys and peers without CURVE get nothing and are
/// counted and audited; identity binding refuses a REGISTER under another name and a lying `source`.
@Suite("CurveZMQ authentication and identity binding (live broker)", .serialized)
struct CurveLiveTests {
    /// A broker with CURVE on, the greeter and the test plugin supervised, and one known client, `tester`.
    struct Mesh {
        let broker: TestBroker
        let directory: URL
        let tester: CurveCredentials
        let serverKey: String

        init() throws {
            directory = try TestDirectory.make()
            let server = try CurveKeyPair.generate()
            try (server.secretKey + "\n").write(
                to: directory.appendingPathComponent("broker.key"), atomically: true, encoding: .utf8)
            let client = try CurveKeyPair.generate()
            serverKey = server.publicKey
            tester = CurveCredentials(serverKey: server.publicKey, keys: client)
            let topology = """
                security:
                  curve: true
                  secret_key_file: broker.key
                  clients:
                    tester: {public_key: "\(client.publicKey)"}
                  # These tests are about authentication: every known identity may do everything.
                  default_permissions: {publish: [">"], subscribe: [">"], serve: [">"], call: [">"], admin: ["*"]}
                plugins:
                  greeter:
                    command: [\(yamlQuoted(Paths.greeter))]
                  testplugin:
                    command: [\(yamlQuoted(Paths.testPlugin))]
                  audit:
                    command: [\(yamlQuoted(Paths.pythonCommand)), \(yamlQuoted(Paths.auditPlugin))]
                    config: {path: audit-events.jsonl}
                    cwd: \(yamlQuoted(directory.path))
                """
            broker = try TestBroker(topology: topology, directory: directory, curve: tester)
        }

        func stop() {
            broker.stop()
            TestDirectory.remove(directory)
        }

        /// A client with a fresh key the broker does not know.
        func stranger() throws -> CurveCredentials {
            CurveCredentials(serverKey: serverKey, keys: try CurveKeyPair.generate())
        }

        func audit(_ action: String) throws -> [AuditRecord] {
            try broker.client().request(.audit(AuditQuery()), as: [AuditRecord].self).filter { $0.action == action }
        }
    }

    @Test("supervised plugins register, publish and receive; a known client is answered; the key is in DISCOVER")
    func supervisedMeshWorks() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let greeter = try mesh.broker.waitForRunning("greeter")[0]
        let test = try mesh.broker.waitForRunning("testplugin")[0]
        let client = try mesh.broker.client()
        #expect(try client.discover().curvePublicKey == mesh.serverKey)
        let answer = try client.call("test.echo", body: Array("hi".utf8))
        #expect(String(decoding: answer, as: UTF8.self) == "\(test.instance):hi")

        // The greeter gets user.created through its CURVE SUB and publishes through its CURVE PUB.
        let welcomes = try mesh.broker.subscribe("user.welcome")
        try mesh.broker.publish("user.created", text: #"{"name": "ada"}"#)
        let welcome = try welcomes.waitForEvent(topic: "user.welcome", timeout: 10)
        #expect(welcome.meta.source == greeter.instance)

        // The supervised Python plugin got its keys too: it registered and receives every event.
        _ = try mesh.broker.waitForRunning("audit")
        let auditFile = mesh.directory.appendingPathComponent("audit-events.jsonl")
        let seen = waitFor(timeout: 10) { () -> String? in
            _ = try? mesh.broker.publish("curve.python", text: "{}")
            let text = (try? String(contentsOf: auditFile, encoding: .utf8)) ?? ""
            return text.contains("\"curve.python\"") ? text : nil
        }
        #expect(seen != nil, "the Python plugin wrote no curve.python event: \(mesh.broker.log.suffix(2_000))")

        // The secret the broker gave the process is in its environment only, never in the log.
        #expect(!mesh.broker.log.contains("PLEXUS_CURVE_SECRET_KEY="))
    }

    @Test("a wrong key and no key get nothing; the broker counts and audits the refusal")
    func unknownPeersAreRefused() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let stranger = try mesh.stranger()

        // The SDK's client sees the refusal on its monitor and says so instead of timing out.
        let refusedClient = try ControlClient(endpoint: mesh.broker.control, timeout: 5, curve: stranger)
        let started = Date()
        #expect {
            _ = try refusedClient.ping()
        } throws: { error in
            if case ClientError.keyRefused = error { return true }
            return false
        }
        #expect(Date().timeIntervalSince(started) < 4)

        // A raw peer with a wrong key: a monitor event only, no answer.
        let context = try ZMQContext()
        let raw = try context.socket(.dealer)
        try raw.setLinger(milliseconds: 0)
        try stranger.apply(to: raw)
        let monitor = try SocketMonitor(raw, context: context)
        try raw.connect(mesh.broker.control)
        _ = try raw.send(multipart: [[]] + ClientRequest(requestID: Array("1".utf8), command: .ping).encode())
        var refusal: SocketMonitor.Event?
        for _ in 0..<50 where refusal == nil {
            if let event = try monitor.next(timeoutMilliseconds: 100), event.isHandshakeFailure { refusal = event }
        }
        #expect(refusal?.event == SocketMonitor.Event.handshakeFailedAuth && refusal?.value == 400)
        try raw.setReceiveTimeout(milliseconds: 300)
        #expect(try raw.receiveMultipart() == nil)
        monitor.close()
        raw.close()

        // No key at all (NULL mechanism against a CURVE server): no answer either.
        let plain = try RawPeer(endpoint: mesh.broker.control)
        #expect(try plain.request("PING", [], timeout: 1) == nil)

        let client = try mesh.broker.client()
        let counted = waitFor(timeout: 5) { () -> UInt64? in
            guard let count = try? client.stats().malformed["auth"], count >= 3 else { return nil }
            return count
        }
        #expect(counted != nil)
        let denials = try #require(
            waitFor(timeout: 5) { () -> [AuditRecord]? in
                let records = (try? mesh.audit("auth")) ?? []
                return records.contains { $0.actor.key == stranger.keys.publicKey } ? records : nil
            })
        #expect(denials.allSatisfy { $0.decision == "denied" })
        #expect(mesh.broker.log.contains("unknown key"))
        // The peer without CURVE never reached the ZAP handler: the control socket's monitor saw it.
        // Usually "the peer does not use CURVE"; on a loaded machine the peer may be gone before libzmq
        // tells the mechanisms apart, and the monitor reports a failed handshake instead.
        let seen = waitFor(timeout: 5) { mesh.broker.log.contains(#"address="control tcp://"#) ? true : nil }
        #expect(seen == true, "\(mesh.broker.log.suffix(2_000))")
    }

    @Test("a REGISTER under another plugin's name with a valid client key is refused 403 and audited")
    func spoofedRegister() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let greeter = try mesh.broker.waitForRunning("greeter")[0]
        let peer = try RawPeer(endpoint: mesh.broker.control, curve: mesh.tester)
        let claim = Registration(name: "greeter", type: "x", version: "1.0.0", instance: "greeter-spoof", pid: 1)
        let answer = try #require(try peer.register(JSONCoding.encode(claim)), "no answer to REGISTER")
        #expect(answer.welcome == nil)
        #expect(answer.protocolError?.code == 403)
        #expect(answer.protocolError?.message.contains("belongs to 'tester'") == true)
        // Under its own name the same key may register.
        let own = Registration(name: "tester", type: "x", version: "1.0.0", instance: "tester-1", pid: 1)
        #expect(try peer.register(JSONCoding.encode(own))?.welcome != nil)

        let denied = try #require(
            waitFor(timeout: 5) { try? mesh.audit("register").first { $0.decision == "denied" } })
        #expect(denied.actor.name == "tester" && denied.actor.key == mesh.tester.keys.publicKey)
        #expect(try mesh.broker.status(of: "greeter").first?.instance == greeter.instance)
    }

    @Test("an event whose source is another's is refused and counted; its own source passes")
    func lyingSource() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let greeter = try mesh.broker.waitForRunning("greeter")[0]
        let events = try mesh.broker.subscribe("curve.test.>")
        let liar = try EventPublisher(endpoint: mesh.broker.endpoints.eventsIn, source: greeter.instance, curve: mesh.tester)
        let honest = try EventPublisher(endpoint: mesh.broker.endpoints.eventsIn, source: "tester", curve: mesh.tester)
        let client = try mesh.broker.client()
        // PUB connections take a moment: send until the honest one arrives, the liar alongside.
        var delivered: ReceivedEvent?
        for index in 0..<100 where delivered == nil {
            try liar.publish(topic: "curve.test.lie", payload: Array("\(index)".utf8))
            try honest.publish(topic: "curve.test.truth", payload: Array("\(index)".utf8))
            delivered = try? events.waitForEvent(topic: "curve.test.truth", timeout: 0.1)
        }
        #expect(delivered?.meta.source == "tester")
        let refused = waitFor(timeout: 5) { () -> UInt64? in
            guard let count = try? client.stats().malformed["source"], count > 0 else { return nil }
            return count
        }
        #expect(refused != nil)
        #expect((try? events.waitForEvent(topic: "curve.test.lie", timeout: 0.5)) == nil)
        #expect(mesh.broker.log.contains("is not the sender"))
    }

    @Test("the CLI: a known key is answered, a wrong key and no key fail at once with a clear message")
    func cli() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let keys = mesh.directory.appendingPathComponent("tester.key")
        try (mesh.tester.keys.secretKey + "\n").write(to: keys, atomically: true, encoding: .utf8)
        let stranger = mesh.directory.appendingPathComponent("stranger.key")
        try (try mesh.stranger().keys.secretKey + "\n").write(to: stranger, atomically: true, encoding: .utf8)
        let broker = ["--broker", mesh.broker.control, "--timeout", "5"]
        let known = try runPlexus(["ping"] + broker + ["--key-file", keys.path, "--server-key", mesh.serverKey])
        #expect(known.status == 0, "\(known.stderr)")
        let started = Date()
        let wrong = try runPlexus(["ping"] + broker + ["--key-file", stranger.path, "--server-key", mesh.serverKey])
        #expect(wrong.status == 1 && wrong.stderr.contains("the broker refused the key"), "\(wrong.stderr)")
        let none = try runPlexus(["ping"] + broker)
        #expect(none.status == 1 && none.stderr.contains("requires a CURVE key"), "\(none.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("an attached Swift plugin with an unknown key exits 77 with a clear message")
    func attachedPluginWithUnknownKeyExits() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let stranger = try mesh.stranger()
        let plugin = try TestProcess(
            Paths.testPlugin, [], name: "stranger",
            environment: [
                "PLEXUS_BROKER": mesh.broker.control, CurveEnvironment.secretKey: stranger.keys.secretKey,
                CurveEnvironment.serverKey: stranger.serverKey,
            ], directory: mesh.directory)
        defer { plugin.stop() }
        #expect(plugin.waitForExit(timeout: 15) == CurveEnvironment.deniedExitCode)
        #expect(plugin.stderr.contains(CurveEnvironment.deniedMessage))
    }

    @Test("the example topology.yaml with security on: every plugin runs and the housekeeping task fans out")
    func exampleMeshWithSecurity() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let server = try CurveKeyPair.generate()
        try (server.secretKey + "\n").write(
            to: directory.appendingPathComponent("broker.key"), atomically: true, encoding: .utf8)
        let client = CurveCredentials(serverKey: server.publicKey, keys: try CurveKeyPair.generate())
        // The repository's file as ExampleTaskTests runs it, plus a security: block.
        let text =
            try String(contentsOf: Paths.root.appendingPathComponent("topology.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "[.build/debug/greeter]", with: "[\(yamlQuoted(Paths.greeter))]")
            .replacingOccurrences(of: "plugins/audit/audit.py", with: Paths.auditPlugin)
            .replacingOccurrences(of: "\"*/10 * * * * *\"", with: "\"*/2 * * * * *\"")
            .replacingOccurrences(of: "7780", with: String(try ProbeTests.freePort()))
            .replacingOccurrences(of: "--directory, docs", with: "--directory, .")
            .replacingOccurrences(of: "[python3, -m, http.server", with: "[\(Paths.pythonCommand), -m, http.server")
                + """

                security:
                  curve: true
                  secret_key_file: broker.key
                  clients:
                    tester:
                      public_key: "\(client.keys.publicKey)"
                      permissions: {admin: [status], publish: [user.created], subscribe: [user.welcome]}
                """
        let broker = try TestBroker(
            topology: text, directory: directory, arguments: ["--http", "127.0.0.1:*"], curve: client)
        defer { broker.stop() }
        for plugin in ["audit", "web", "greeter"] { _ = try broker.waitForRunning(plugin, timeout: 30) }
        let task = try broker.waitForTask("housekeeping", timeout: 30) { task in
            task.history?.contains { $0.outcome == "succeeded" } == true
        }
        let run = try #require(task.history?.first { $0.outcome == "succeeded" })
        #expect(Set(run.instances.keys) == ["audit-1", "greeter-1"])
        let welcomes = try broker.subscribe("user.welcome")
        try broker.publish("user.created", text: #"{"name": "ada"}"#)
        #expect(try welcomes.waitForEvent(topic: "user.welcome", timeout: 10).meta.source == "greeter-1")
    }

    @Test("without CURVE a non-loopback bind is refused unless --insecure")
    func insecureBindRefused() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let broker = try TestProcess(
            Paths.plexus, ["broker", "--control", "tcp://0.0.0.0:*", "--data", directory.path], name: "exposed",
            directory: directory)
        defer { broker.stop() }
        #expect(broker.waitForExit(timeout: 15) == 1)
        #expect(broker.stderr.contains("refusing to bind control tcp://0.0.0.0:* without authentication"))
    }
}
