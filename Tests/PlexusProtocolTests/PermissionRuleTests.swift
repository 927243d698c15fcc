import PlexusProtocol
import Testing

/// `SubjectRule` and `Permissions`: NATS-style allow/deny with deny winning, and subscription prefixes
/// judged by everything ZeroMQ would deliver under them.
@Suite("Permission rules")
struct PermissionRuleTests {
    private func rule(allow: [String], deny: [String] = []) throws -> SubjectRule {
        SubjectRule(allow: try allow.map { try TopicPattern($0) }, deny: try deny.map { try TopicPattern($0) })
    }

    @Test("a subject is allowed when an allow pattern matches and no deny pattern does")
    func permits() throws {
        let publish = try rule(allow: ["sensors.thermostat.>"], deny: ["sensors.thermostat.debug.>"])
        #expect(publish.permits("sensors.thermostat.kitchen"))
        #expect(publish.permits("sensors.thermostat.a.b"))
        #expect(!publish.permits("sensors.thermostat"))
        #expect(!publish.permits("sensors.thermostat.debug.x"))
        #expect(!publish.permits("sensors.other.kitchen"))
        #expect(try !rule(allow: []).permits("anything"))
        #expect(try rule(allow: ["weather.*"]).permits("weather.now"))
        #expect(try !rule(allow: ["weather.*"]).permits("weather.now.detail"))
    }

    @Test("a prefix under an allow pattern ending in > is granted; one reaching further is not")
    func prefixesUnderRest() throws {
        let subscribe = try rule(allow: ["sensors.>", "plexus.plugin.>"])
        #expect(subscribe.grants(prefix: "sensors."))
        #expect(subscribe.grants(prefix: "sensors.kitchen"))
        #expect(subscribe.grants(prefix: "sensors.kitchen.temperature"))
        #expect(subscribe.grants(prefix: "plexus.plugin."))
        // `sensors` also reaches `sensorsx`; the empty prefix reaches everything.
        #expect(!subscribe.grants(prefix: "sensors"))
        #expect(!subscribe.grants(prefix: ""))
        #expect(!subscribe.grants(prefix: "plexus."))
        #expect(!subscribe.grants(prefix: "sensors..x"))
        #expect(try rule(allow: [">"]).grants(prefix: ""))
        #expect(try rule(allow: ["sensors.*.>"]).grants(prefix: "sensors.kitchen.t"))
        #expect(try !rule(allow: ["sensors.*.>"]).grants(prefix: "sensors.kitchen"))
    }

    @Test("allowing a topic grants its prefix, with what extends it, as ZeroMQ delivers it")
    func exactTopics() throws {
        let subscribe = try rule(allow: ["sensors.*.temperature", "user.created"])
        #expect(subscribe.grants(prefix: "sensors.kitchen.temperature"))
        #expect(subscribe.grants(prefix: "sensors.kitchen.temperature.raw"))
        #expect(subscribe.grants(prefix: "user.created"))
        #expect(subscribe.grants(prefix: "user.createdx.y"))
        // The SDK's prefix for the pattern `sensors.*.temperature` reaches every sensor topic.
        #expect(!subscribe.grants(prefix: "sensors."))
        #expect(!subscribe.grants(prefix: "sensors.kitchen.temp"))
        #expect(!subscribe.grants(prefix: "user."))
    }

    @Test("deny wins: a prefix that reaches a denied topic is refused")
    func denyWins() throws {
        let subscribe = try rule(allow: [">"], deny: ["secrets.>", "user.created.internal"])
        #expect(!subscribe.grants(prefix: ""))
        #expect(!subscribe.grants(prefix: "sec"))
        #expect(!subscribe.grants(prefix: "secrets.x"))
        #expect(!subscribe.grants(prefix: "user.created"))
        #expect(!subscribe.grants(prefix: "user.created.int"))
        #expect(subscribe.grants(prefix: "user.created.other"))
        #expect(subscribe.grants(prefix: "user.deleted"))
        #expect(subscribe.grants(prefix: "public."))
        let narrow = try rule(allow: ["sensors.thermostat.>"], deny: ["sensors.thermostat.debug.>"])
        #expect(!narrow.grants(prefix: "sensors.thermostat."))
        #expect(!narrow.grants(prefix: "sensors.thermostat.de"))
        #expect(narrow.grants(prefix: "sensors.thermostat.kitchen"))
    }

    @Test("patterns read from the log: subset of an allow pattern, disjoint from every deny pattern")
    func patterns() throws {
        let subscribe = try rule(allow: ["sensors.>", "user.*"], deny: ["sensors.debug.>"])
        #expect(subscribe.grants(pattern: try TopicPattern("sensors.kitchen.*")))
        // `sensors.debug.temperature` matches both it and the deny pattern.
        #expect(!subscribe.grants(pattern: try TopicPattern("sensors.*.temperature")))
        #expect(subscribe.grants(pattern: try TopicPattern("user.created")))
        #expect(subscribe.grants(pattern: try TopicPattern("user.*")))
        #expect(!subscribe.grants(pattern: try TopicPattern("user.>")))
        #expect(!subscribe.grants(pattern: try TopicPattern("sensors.>")))
        #expect(!subscribe.grants(pattern: try TopicPattern("sensors.*.x")))
        #expect(!subscribe.grants(pattern: try TopicPattern(">")))
        #expect(try TopicPattern("a.*.c").isSubset(of: TopicPattern("a.>")))
        #expect(try !TopicPattern("a.>").isSubset(of: TopicPattern("a.*")))
        #expect(try TopicPattern("a.*").intersects(TopicPattern("*.b")))
        #expect(try !TopicPattern("a.b").intersects(TopicPattern("a.b.c")))
    }

    @Test("each command needs what it touches; durable subscriptions belong to their owner")
    func commands() throws {
        var ops = Permissions(call: try rule(allow: ["weather.*"]), admin: [.status, .restart])
        ops.publish = try rule(allow: ["ops.>"])
        #expect(ops.allows(ClientCommand.status.requiredAccess, identity: "ops"))
        #expect(ops.allows(ClientCommand.lifecycle(.restart, plugin: "x").requiredAccess, identity: "ops"))
        #expect(!ops.allows(ClientCommand.lifecycle(.stop, plugin: "x").requiredAccess, identity: "ops"))
        #expect(!ops.allows(ClientCommand.shutdown.requiredAccess, identity: "ops"))
        #expect(ops.allows(ClientCommand.ping.requiredAccess, identity: "ops"))
        #expect(
            ops.allows(
                ClientCommand.call(service: "weather.now", body: [], options: CallOptions()).requiredAccess, identity: "ops"))
        #expect(
            !ops.allows(
                ClientCommand.call(service: "billing.pay", body: [], options: CallOptions()).requiredAccess, identity: "ops"))
        #expect(ops.allows(ClientCommand.publish(PublishRequest(topic: "ops.note", payload: [])).requiredAccess, identity: "ops"))
        #expect(!ops.allows(ClientCommand.publish(PublishRequest(topic: "user.x", payload: [])).requiredAccess, identity: "ops"))
        #expect(!ops.allows(ClientCommand.tasks(.add, argument: "{}").requiredAccess, identity: "ops"))
        #expect(ops.allows(ClientCommand.tasks(.list, argument: nil).requiredAccess, identity: "ops"))
        #expect(ops.owns(durable: "ops", identity: "ops"))
        #expect(ops.owns(durable: "ops.eu", identity: "ops"))
        #expect(!ops.owns(durable: "opsx", identity: "ops"))
        #expect(!ops.owns(durable: "billing", identity: "ops"))
        #expect(Permissions.all.owns(durable: "billing", identity: "ops"))
        #expect(Permissions.all.allows(.admin(.shutdown), identity: "x"))
        #expect(!Permissions.nothing.allows(.read(pattern: "a.>"), identity: "x"))
    }
}
