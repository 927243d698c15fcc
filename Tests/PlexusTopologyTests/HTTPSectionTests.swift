import Testing

@testable import PlexusTopology

@Suite("topology.yaml broker.http and broker.http_tokens")
struct HTTPSectionTests {
    @Test("the scalar http form, off, and a YAML boolean")
    func address() throws {
        #expect(try Topology.parse("broker:\n  http: 127.0.0.1:7703\n").broker.http == "127.0.0.1:7703")
        #expect(try Topology.parse("broker:\n  http: \"off\"\n").broker.http == "off")
        #expect(try Topology.parse("broker:\n  http: false\n").broker.http == "off")
        #expect(try Topology.parse("broker: {}\n").broker.http == nil)
        #expect(throws: TopologyError.self) { try Topology.parse("broker:\n  http: [1]\n") }
    }

    @Test("tokens by file (resolved against the file's directory) or by environment variable")
    func tokens() throws {
        let text = """
            broker:
              http_tokens:
                - {name: ops, role: admin, file: secrets/admin.token}
                - {role: viewer, env: PLEXUS_VIEWER_TOKEN}
            """
        let tokens = try Topology.parse(text, baseDirectory: "/etc/plexus").broker.httpTokens
        #expect(
            tokens == [
                HTTPTokenSpec(name: "ops", role: "admin", source: .file("/etc/plexus/secrets/admin.token")),
                HTTPTokenSpec(name: "viewer-2", role: "viewer", source: .env("PLEXUS_VIEWER_TOKEN")),
            ])
    }

    @Test("an inline secret, an unknown role, or both sources are refused")
    func refusals() {
        for entry in [
            "{role: admin, token: abc}", "{role: root, env: X}", "{role: admin, file: a, env: X}", "{role: admin}",
            "admin",
        ] {
            #expect(throws: TopologyError.self, "\(entry)") {
                try Topology.parse("broker:\n  http_tokens:\n    - \(entry)\n")
            }
        }
    }
}
