import PlexusProtocol
import Testing
@testable import PlexusBroker

@Suite("Topology file")
struct TopologyTests {
    @Test("a valid file gives endpoints and config blocks in file order")
    func valid() throws {
        let topology = try Topology.parse("""
            broker:
              control: tcp://127.0.0.1:9000
              heartbeat_ms: 500
            plugins:
              zeta:
                command: [./zeta]
                config: { level: 3, tags: [a, b] }
              alpha:
                type: example
            """)
        #expect(topology.broker.control == "tcp://127.0.0.1:9000")
        #expect(topology.broker.heartbeatMilliseconds == 500)
        #expect(topology.plugins.map(\.name) == ["zeta", "alpha"])
        #expect(topology.pluginConfigs["zeta"]?["level"]?.intValue == 3)
        #expect(topology.pluginConfigs["alpha"] == .object([:]))
    }

    @Test("the repository's topology.yaml is valid")
    func repositoryTopology() throws {
        let topology = try Topology.load(path: Paths.root.appendingPathComponent("topology.yaml").path)
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
    ]

    @Test("invalid files name the file, the key and the problem", arguments: invalid.indices)
    func invalidFiles(index: Int) {
        let (name, text, path) = Self.invalid[index]
        let error = #expect(throws: TopologyError.self, "\(name)") { try Topology.parse(text, file: "t.yaml") }
        #expect(error?.path == path, "\(name): \(String(describing: error))")
        #expect(error?.description.hasPrefix("t.yaml") == true)
    }

    @Test("a missing file is a clear error")
    func missingFile() {
        let error = #expect(throws: TopologyError.self) { try Topology.load(path: "/nonexistent/topology.yaml") }
        #expect(error?.description.contains("cannot read") == true)
    }
}
