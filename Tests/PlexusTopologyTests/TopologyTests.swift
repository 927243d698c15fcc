import Foundation
import PlexusProtocol
import Testing

@testable import PlexusTopology

@Suite("Topology file")
struct TopologyTests {
    @Test("a valid file gives endpoints and config blocks in file order")
    func valid() throws {
        let topology = try Topology.parse(
            """
            broker:
              control: tcp://127.0.0.1:9000
              heartbeat_ms: 500
            plugins:
              zeta:
                command: [./zeta]
                config: { level: 3, tags: [a, b] }
              alpha:
                type: example
            """, baseDirectory: "/srv")
        #expect(topology.broker.control == "tcp://127.0.0.1:9000")
        #expect(topology.broker.heartbeatMilliseconds == 500)
        #expect(topology.plugins.map(\.name) == ["zeta", "alpha"])
        #expect(topology.pluginConfigs["zeta"]?["level"]?.intValue == 3)
        #expect(topology.pluginConfigs["alpha"] == .object([:]))
        #expect(topology.plugin("zeta")?.command == ["/srv/zeta"])
    }

    @Test("the repository's topology.yaml is valid")
    func repositoryTopology() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let topology = try Topology.load(path: root.appendingPathComponent("topology.yaml").path)
        #expect(Set(topology.plugins.map(\.name)).isSuperset(of: ["greeter", "audit"]))
    }

    static let invalid: [(String, String, String)] = [
        ("not yaml", "broker: [unclosed", ""),
        ("not a mapping", "- a\n- b", ""),
        ("unknown top-level key", "brokers: {}", "brokers"),
        ("unknown broker key", "broker:\n  controll: tcp://x:1", "broker.controll"),
        ("bad endpoint", "broker:\n  control: 7700", "broker.control"),
        ("bad heartbeat", "broker:\n  heartbeat_ms: -5", "broker.heartbeat_ms"),
        ("plugins not a mapping", "plugins: [a]", "plugins"),
        ("bad plugin name", "plugins:\n  'a b': {}", "plugins.a b"),
        ("unknown plugin key", "plugins:\n  a:\n    comand: x", "plugins.a.comand"),
        ("config not a mapping", "plugins:\n  a:\n    config: 3", "plugins.a.config"),
        ("missing dependency", "plugins:\n  a:\n    command: x\n    depends_on: [b]", "plugins.a.depends_on"),
        ("missing type dependency", "plugins:\n  a:\n    command: x\n    depends_on: ['type:db']", "plugins.a.depends_on"),
        (
            "disabled dependency",
            "plugins:\n  a:\n    command: x\n    depends_on: [b]\n  b:\n    command: y\n    enabled: false",
            "plugins.a.depends_on"
        ),
        (
            "cycle", "plugins:\n  a:\n    command: x\n    depends_on: [b]\n  b:\n    command: y\n    depends_on: [a]",
            "plugins.a.depends_on"
        ),
        ("self cycle", "plugins:\n  a:\n    command: x\n    after: [a]", "plugins.a.depends_on"),
        ("duplicate names", "plugins:\n  a:\n    command: x\n  a:\n    command: y", "plugins.a"),
        ("bad duration", "plugins:\n  a:\n    command: x\n    stop_timeout: later", "plugins.a.stop_timeout"),
        ("bad policy", "plugins:\n  a:\n    command: x\n    restart: sometimes", "plugins.a.restart.policy"),
        ("bad restart key", "plugins:\n  a:\n    command: x\n    restart: { retries: 3 }", "plugins.a.restart.retries"),
        (
            "backoff max below initial", "plugins:\n  a:\n    command: x\n    restart: { initial: 5s, max: 1s }",
            "plugins.a.restart.max"
        ),
        ("zero instances", "plugins:\n  a:\n    command: x\n    instances: 0", "plugins.a.instances"),
        ("empty command", "plugins:\n  a:\n    command: []", "plugins.a.command"),
        ("unclosed quote", "plugins:\n  a:\n    command: \"run 'x\"", "plugins.a.command"),
        (
            "bad version constraint", "plugins:\n  a:\n    command: x\n    depends_on: [b@^]\n  b:\n    command: y",
            "plugins.a.depends_on"
        ),
        (
            "both conflicting enabled", "plugins:\n  a:\n    command: x\n    conflicts: [b]\n  b:\n    command: y",
            "plugins.a.conflicts"
        ),
    ]

    @Test("invalid files name the file, the key and the problem", arguments: invalid.indices)
    func invalidFiles(index: Int) {
        let (name, text, path) = Self.invalid[index]
        let error = #expect(throws: TopologyError.self, "\(name)") { try Topology.parse(text, file: "t.yaml") }
        #expect(error?.path == path, "\(name): \(String(describing: error))")
        #expect(error?.description.hasPrefix("t.yaml") == true)
    }

    @Test("cycle errors show the path")
    func cyclePath() {
        let error = #expect(throws: TopologyError.self) {
            try Topology.parse(
                "plugins:\n  a: { command: x, depends_on: [b] }\n  b: { command: y, after: [c] }\n  c: { command: z, depends_on: [a] }"
            )
        }
        #expect(error?.message == "dependency cycle: a → b → c → a")
    }

    @Test("commands: argv lists and shell-like strings; type dependencies expand")
    func commandsAndTypes() throws {
        let topology = try Topology.parse(
            """
            plugins:
              a: { command: "python3 -u 'my plugin.py' --x=\\"1 2\\"", type: store }
              b: { command: [./bin/b, --flag], type: store }
              c: { command: [c], depends_on: ['type:store'] }
              d: { command: [d], after: ['type:*'] }
            """, baseDirectory: "/srv")
        #expect(topology.plugin("a")?.command == ["python3", "-u", "my plugin.py", "--x=1 2"])
        #expect(topology.plugin("b")?.command == ["/srv/bin/b", "--flag"])
        #expect(topology.graph.requirements["c"]?.map(\.plugin) == ["a", "b"])
        #expect(topology.graph.order.last == "d")
    }

    @Test("a missing file is a clear error")
    func missingFile() {
        let error = #expect(throws: TopologyError.self) { try Topology.load(path: "/nonexistent/topology.yaml") }
        #expect(error?.description.contains("cannot read") == true)
    }
}
