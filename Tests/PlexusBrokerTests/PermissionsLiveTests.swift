import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing
import ZeroMQ

/// Permissions on a live broker with CURVE (docs/SECURITY.md, "Permissions"): every verb allowed and
/// refused, subscriptions under `ZMQ_XPUB_MANUAL`, and each violation in the reply, `STATS`, the log, on
/// `plexus.security.violation` and in the audit log.
@Suite("Permissions (live broker)", .serialized)
struct PermissionsLiveTests {
    /// A broker with CURVE; `tester` may do everything it needs to watch, `viewer` little.
    struct Mesh {
        let broker: TestBroker
        let directory: URL
        let viewer: CurveCredentials

        init() throws {
            directory = try TestDirectory.make()
            let server = try CurveKeyPair.generate()
            try (server.secretKey + "\n").write(
                to: directory.appendingPathComponent("broker.key"), atomically: true, encoding: .utf8)
            let tester = CurveCredentials(serverKey: server.publicKey, keys: try CurveKeyPair.generate())
            viewer = CurveCredentials(serverKey: server.publicKey, keys: try CurveKeyPair.generate())
            let topology = """
                security:
                  curve: true
                  secret_key_file: broker.key
                  clients:
                    tester:
                      public_key: "\(tester.keys.publicKey)"
                      permissions:
                        admin: ["*"]
                        subscribe: ["plexus.>", "sensors.>", "user.>"]
                        publish: ["user.created", "sensors.>"]
                        call: [test.echo, greeter.hello]
                    viewer:
                      public_key: "\(viewer.keys.publicKey)"
                      permissions:
                        admin: [status]
                        publish: {allow: ["sensors.thermostat.>"], deny: ["sensors.thermostat.debug.>"]}
                        subscribe: {allow: ["sensors.*.temperature"]}
                        call: ["weather.*"]
                plugins:
                  greeter:
                    command: [\(yamlQuoted(Paths.greeter))]
                    permissions:
                      subscribe: [user.created]
                      serve: [greeter.hello, housekeeping]
                  testplugin:
                    command: [\(yamlQuoted(Paths.testPlugin))]
                    permissions:
                      - {resource: services, actions: [serve]}
                      - {resource: event_bus, actions: [publish], patterns: ["test.>"]}
                  unserved:
                    command: [\(yamlQuoted(Paths.testPlugin))]
                    permissions: {serve: [test.echo]}
                """
            broker = try TestBroker(topology: topology, directory: directory, curve: tester)
        }

        func stop() {
            broker.stop()
            TestDirectory.remove(directory)
        }

        func viewerClient() throws -> ControlClient {
            try ControlClient(endpoint: broker.control, timeout: 5, curve: viewer)
        }

        func violations() throws -> [String: UInt64] {
            try broker.client().request(.stats, as: StatsReply.self).violations ?? [:]
        }

        func audit(_ action: String) throws -> [AuditRecord] {
            try broker.client().request(.audit(AuditQuery()), as: [AuditRecord].self).filter { $0.action == action }
        }

        /// The next `plexus.security.violation` event about `verb` on `target`.
        func waitForViolation(_ verb: String, target: String, in watch: TestSubscription) throws -> [String: JSONValue] {
            let event = try watch.waitForEvent(topic: "plexus.security.violation", timeout: 10) { event in
                guard case .object(let fields)? = try? JSONCoding.decode(JSONValue.self, from: event.payload, what: "v")
                else { return false }
                return fields["verb"] == .string(verb) && fields["target"] == .string(target)
            }
            guard case .object(let fields) = try JSONCoding.decode(JSONValue.self, from: event.payload, what: "violation")
            else { return [:] }
            return fields
        }
    }

    private func isForbidden(_ error: any Error, containing text: String) -> Bool {
        guard case ClientError.rejected(let protocolError) = error else { return false }
        return protocolError.code == 403 && protocolError.message.contains(text)
    }

    @Test("admin: an action outside the list is refused with 403; the violation is counted, published and audited")
    func admin() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        _ = try mesh.broker.waitForRunning("greeter")
        let watch = try mesh.broker.subscribe("plexus.security.violation")
        let viewer = try mesh.viewerClient()
        let seen = try viewer.requestAll(.status, as: InstanceInfo.self)
        #expect(seen.contains { $0.name == "greeter" })
        #expect {
            _ = try viewer.request(.lifecycle(.restart, plugin: "greeter"))
        } throws: { isForbidden($0, containing: "'viewer' may not use admin action 'restart'") }
        #expect {
            _ = try viewer.request(.shutdown)
        } throws: { isForbidden($0, containing: "admin action 'shutdown'") }
        let event = try mesh.waitForViolation("admin", target: "restart", in: watch)
        #expect(event["actor"] == .string("viewer") && event["kind"] == .string("client"))
        #expect(event["key"] == .string(mesh.viewer.keys.publicKey))
        #expect(try mesh.violations()["admin"] == 2)
        let metrics = String(decoding: try mesh.broker.client().request(.metrics).first ?? [], as: UTF8.self)
        #expect(metrics.contains(#"plexus_security_violations_total{verb="admin"} 2"#), "\(metrics.prefix(3_000))")
        let record = try #require(waitFor(timeout: 5) { try? mesh.audit("violation.admin").first })
        #expect(record.actor.name == "viewer" && record.decision == "denied" && record.target == "restart")
        #expect(mesh.broker.log.contains(#"admin violation: client "viewer", action "restart""#))
        // The broker was not restarted and still answers the viewer.
        #expect(try mesh.broker.status(of: "greeter").first?.restarts == 0)
        _ = try viewer.ping()
    }

    @Test("publish: an allowed topic goes through; a denied one (deny wins) never reaches a subscriber")
    func publish() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let sensors = try mesh.broker.subscribe("sensors.>")
        let watch = try mesh.broker.subscribe("plexus.security.violation")
        let publisher = try EventPublisher(endpoint: mesh.broker.endpoints.eventsIn, curve: mesh.viewer)
        // The publisher's connection is not confirmed: publish until the allowed event comes through.
        let first = waitFor(timeout: 10, interval: 0.1) { () -> ReceivedEvent? in
            try? publisher.publish(topic: "sensors.thermostat.kitchen", payload: Array("21".utf8))
            return try? sensors.waitForEvent(topic: "sensors.thermostat.kitchen", timeout: 0.1)
        }
        #expect(first?.meta.source == "viewer")
        try publisher.publish(topic: "sensors.thermostat.debug.trace", payload: [])
        try publisher.publish(topic: "sensors.hall.temperature", payload: [])
        try publisher.publish(topic: "sensors.thermostat.after", payload: [])
        let event = try mesh.waitForViolation("publish", target: "sensors.thermostat.debug.trace", in: watch)
        #expect(event["actor"] == .string("viewer"))
        _ = try mesh.waitForViolation("publish", target: "sensors.hall.temperature", in: watch)
        // Events from one publisher arrive in order: once `after` is here, the refused ones are not coming.
        _ = try sensors.waitForEvent(topic: "sensors.thermostat.after", timeout: 10)
        #expect(throws: (any Error).self) { try sensors.waitForEvent(topic: "sensors.thermostat.debug.>", timeout: 0.2) }
        #expect(throws: (any Error).self) { try sensors.waitForEvent(topic: "sensors.hall.temperature", timeout: 0.1) }
        #expect(try mesh.violations()["publish"] == 2)
        #expect(mesh.broker.log.contains(#"publish violation: client "viewer", topic "sensors.thermostat.debug.trace""#))
        // The acknowledged PUBLISH on the control endpoint is checked the same way.
        #expect {
            _ = try mesh.viewerClient().publish(PublishRequest(topic: "user.created", payload: []))
        } throws: { isForbidden($0, containing: "publishing on 'user.created'") }
        #expect(try waitFor(timeout: 5) { try? mesh.audit("violation.publish").first }?.actor.name == "viewer")
    }

    @Test("subscribe: a prefix the permissions cover is applied; a wider one is never applied (XPUB_MANUAL)")
    func subscribe() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let watch = try mesh.broker.subscribe("plexus.security.violation")
        let allowed = try EventSubscriber(
            endpoint: mesh.broker.endpoints.eventsOut, patterns: ["sensors.kitchen.temperature"], curve: mesh.viewer)
        // The SDK's prefix for `sensors.*.temperature` is `sensors.`: it reaches every sensor topic.
        let wide = try EventSubscriber(
            endpoint: mesh.broker.endpoints.eventsOut, patterns: ["sensors.*.temperature"], curve: mesh.viewer)
        let everything = try EventSubscriber(endpoint: mesh.broker.endpoints.eventsOut, patterns: [">"], curve: mesh.viewer)
        _ = try mesh.waitForViolation("subscribe", target: "sensors.", in: watch)
        _ = try mesh.waitForViolation("subscribe", target: "", in: watch)
        let delivered = waitFor(timeout: 10, interval: 0.05) { () -> ReceivedEvent? in
            _ = try? mesh.broker.publish("sensors.kitchen.humidity", text: "60")
            _ = try? mesh.broker.publish("sensors.kitchen.temperature", text: "21")
            return try? allowed.next(timeout: 0.05)
        }
        #expect(delivered?.topic == "sensors.kitchen.temperature")
        // The refused subscriptions got nothing at all, though events flowed to the allowed one.
        #expect(try wide.next(timeout: 0.3) == nil)
        #expect(try everything.next(timeout: 0.1) == nil)
        let counted = try mesh.violations()
        #expect(
            counted["subscribe"] == 2, "\(counted) \(mesh.broker.log.split(separator: "\n").filter { $0.contains("violation") })")
        #expect(mesh.broker.log.contains(#"subscribe violation: client "viewer", prefix "sensors.""#))
        // Reading the log is reading: REPLAY and DURABLE OPEN need the same permission, and durable
        // subscriptions belong to their owner's name.
        let viewer = try mesh.viewerClient()
        _ = try viewer.replay(ReplayRequest(pattern: "sensors.kitchen.temperature", fromSeq: 1))
        #expect {
            _ = try viewer.replay(ReplayRequest(pattern: "sensors.>", fromSeq: 1))
        } throws: { isForbidden($0, containing: "reading 'sensors.>'") }
        _ = try viewer.durableOpen(DurableOpen(name: "viewer.kitchen", pattern: "sensors.kitchen.temperature", start: .all))
        #expect {
            _ = try viewer.durableOpen(DurableOpen(name: "billing", pattern: "sensors.kitchen.temperature", start: .all))
        } throws: { isForbidden($0, containing: "durable subscription 'billing'") }
    }

    @Test("call and serve: a call outside the list is 403; a plugin offering a service it may not serve is denied")
    func callAndServe() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        _ = try mesh.broker.waitForRunning("testplugin")
        #expect(try mesh.broker.call("test.echo", text: "hi").hasSuffix(":hi"))
        #expect {
            _ = try mesh.viewerClient().call("test.echo", body: [])
        } throws: { isForbidden($0, containing: "calling 'test.echo'") }
        // `unserved` registers with eight services and may serve one: refused, it exits 77, is `denied`
        // and not restarted.
        let unserved = try #require(
            waitFor(timeout: 20) { try? mesh.broker.status(of: "unserved").first { $0.lastExit == "denied" } })
        #expect(unserved.state == .failed && unserved.restarts == 0, "\(unserved)")
        #expect(try mesh.violations()["serve"] ?? 0 >= 1)
        #expect(try mesh.violations()["call"] == 1)
    }

    @Test("a plugin publishing outside its permissions is told on its session and stays connected")
    func pluginViolationReachesItsSession() throws {
        let mesh = try Mesh()
        defer { mesh.stop() }
        let greeter = try mesh.broker.waitForRunning("greeter")[0]
        let watch = try mesh.broker.subscribe("plexus.security.violation")
        try mesh.broker.publish("user.created", text: #"{"name": "ada"}"#)
        let event = try mesh.waitForViolation("publish", target: "user.welcome", in: watch)
        #expect(event["actor"] == .string("greeter") && event["kind"] == .string("plugin"))
        #expect(event["instance"] == .string(greeter.instance))
        let told = waitFor(timeout: 10) { () -> String? in
            let body = try? mesh.broker.client().request(.logs(plugin: "greeter", since: 0, limit: 1000))
            let logs = body.flatMap { try? JSONCoding.decode(LogsReply.self, from: $0[0], what: "logs") }
            return logs?.lines.first { $0.line.contains("permission denied") }?.line
        }
        #expect(told != nil, "the greeter's log says nothing of the refusal")
        // Repeats in the window are counted, not reported again; the plugin keeps its session.
        try mesh.broker.publish("user.created", text: #"{"name": "grace"}"#)
        #expect(waitFor(timeout: 5) { (try? mesh.violations()["publish"] ?? 0).flatMap { $0 >= 2 ? true : nil } } == true)
        #expect(try mesh.broker.status(of: "greeter").first?.state == .running)
        #expect(try mesh.broker.call("greeter.hello", text: "{}").isEmpty == false)
    }
}
