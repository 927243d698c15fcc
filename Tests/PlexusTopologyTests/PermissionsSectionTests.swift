import PlexusProtocol
import Testing

@testable import PlexusTopology

/// `permissions:` in topology.yaml: the mapping form, the seeds' `{resource, actions}` form, and errors
/// that name the key.
@Suite("Topology permissions")
struct PermissionsSectionTests {
    private func load(_ yaml: String) throws -> Topology { try Topology.parse(yaml, baseDirectory: "/tmp") }

    @Test("the mapping form, with allow/deny, lists, admin names, lifecycle and clients")
    func mappingForm() throws {
        let topology = try load(
            """
            security:
              clients:
                ops:
                  public_key: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
                  permissions: {admin: ["*"], call: ["weather.*"]}
              default_permissions: {subscribe: ["plexus.plugin.>"]}
            plugins:
              thermostat:
                command: [/bin/true]
                permissions:
                  publish:   {allow: ["sensors.thermostat.>"], deny: ["sensors.thermostat.debug.>"]}
                  subscribe: {allow: ["sensors.*.temperature", "plexus.plugin.>"]}
                  serve:     ["thermostat.setpoint"]
                  call:      "weather.*"
                  admin:     [status, lifecycle]
            """)
        let permissions = try #require(topology.plugin("thermostat")?.permissions)
        #expect(permissions.publish.permits("sensors.thermostat.kitchen"))
        #expect(!permissions.publish.permits("sensors.thermostat.debug.x"))
        #expect(permissions.subscribe.grants(prefix: "sensors.hall.temperature"))
        #expect(permissions.serve.permits("thermostat.setpoint"))
        #expect(permissions.call.permits("weather.now"))
        #expect(permissions.admin == Set([.status] + AdminAction.lifecycle))
        #expect(topology.security.clientPermissions["ops"]?.admin == Set(AdminAction.allCases))
        #expect(topology.security.defaultPermissions?.subscribe.grants(prefix: "plexus.plugin.") == true)
    }

    @Test("the seeds' {resource, actions} list")
    func resourceForm() throws {
        let topology = try load(
            """
            plugins:
              notifier:
                command: [/bin/true]
                permissions:
                  - resource: "event_bus"
                    actions: ["publish", "subscribe"]
                  - resource: "logger"
                    actions: ["write"]
                  - {resource: services, actions: [call], patterns: ["weather.*"]}
                  - {resource: admin, actions: [status]}
            """)
        let permissions = try #require(topology.plugin("notifier")?.permissions)
        #expect(permissions.publish.permits("any.topic"))
        #expect(permissions.subscribe.grants(prefix: ""))
        #expect(permissions.call.permits("weather.now"))
        #expect(!permissions.serve.permits("weather.now"))
        #expect(permissions.admin == [.status])
    }

    @Test(
        "mistakes name their key",
        arguments: [
            ("permissions: {publsh: [a]}", "plugins.p.permissions.publsh"),
            ("permissions: {publish: {allow: [\"a.>x\"]}}", "plugins.p.permissions.publish.allow[0]"),
            ("permissions: {publish: {alow: [a]}}", "plugins.p.permissions.publish.alow"),
            ("permissions: {admin: [reboot]}", "plugins.p.permissions.admin[0]"),
            ("permissions: [{resource: disk, actions: [read]}]", "plugins.p.permissions[0].resource"),
            ("permissions: [{resource: event_bus, actions: [serve]}]", "plugins.p.permissions[0].actions"),
            ("permissions: 3", "plugins.p.permissions"),
        ])
    func errors(block: String, key: String) throws {
        #expect {
            _ = try load("plugins:\n  p:\n    command: [/bin/true]\n    \(block)\n")
        } throws: { error in
            "\(error)".contains(key)
        }
    }

    @Test("a change of permissions is a change of the plugin (it restarts, dropping refused subscriptions)")
    func diff() throws {
        let before = try load("plugins:\n  p:\n    command: [/bin/true]\n")
        let after = try load("plugins:\n  p:\n    command: [/bin/true]\n    permissions: {publish: [\">\"]}\n")
        let lines = try #require(after.plugin("p")).changedFields(from: try #require(before.plugin("p")))
        #expect(lines == ["permissions: changed"])
    }

    @Test("an HTTP token's admin: list takes the same action names")
    func httpTokenActions() throws {
        let topology = try load(
            """
            broker:
              http_tokens:
                - {name: restarter, role: admin, env: RESTARTER_TOKEN, admin: [status, restart]}
                - {name: dash, role: viewer, env: DASH_TOKEN}
            plugins: {}
            """)
        #expect(topology.broker.httpTokens.map(\.actions) == [[.status, .restart], nil])
        #expect {
            _ = try load("broker:\n  http_tokens:\n    - {role: admin, env: X, admin: [reboot]}\nplugins: {}\n")
        } throws: { "\($0)".contains("broker.http_tokens[0].admin[0]") }
    }
}
