import Foundation
import PlexusTopology
import Testing

/// A plugin's `sandbox:` block (docs/TOPOLOGY.md, docs/SECURITY.md "Sandbox").
@Suite("plugins.NAME.sandbox")
struct SandboxSectionTests {
    private func plugin(_ sandbox: String) throws -> PluginSpec? {
        try Topology.parse(
            "plugins:\n  worker:\n    command: [/bin/true]\n    sandbox: \(sandbox)\n", baseDirectory: "/srv/mesh"
        ).plugin("worker")
    }

    private func error(_ sandbox: String) -> String {
        do {
            _ = try plugin(sandbox)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("every key; relative paths resolved against the topology's directory, absolute ones kept")
    func parsesEverything() throws {
        let spec = try #require(
            try plugin("{network: false, read_only_paths: [models, /opt/tools], writable_paths: ../spool}"))
        #expect(
            spec.sandbox
                == SandboxSpec(network: false, readOnlyPaths: ["/srv/mesh/models", "/opt/tools"], writablePaths: ["/srv/spool"]))
    }

    @Test("all keys optional: an empty block confines the filesystem and keeps the network; no block, no sandbox")
    func defaults() throws {
        #expect(try plugin("{}")?.sandbox == SandboxSpec(network: true, readOnlyPaths: [], writablePaths: []))
        let plain = try Topology.parse("plugins:\n  worker:\n    command: [/bin/true]\n").plugin("worker")
        #expect(plain?.sandbox == nil)
    }

    @Test("bad input is a TopologyError naming the key")
    func errors() {
        #expect(error("true").contains("plugins.worker.sandbox: must be a mapping"))
        #expect(error("{net: false}").contains("plugins.worker.sandbox.net: unknown key (expected one of network"))
        #expect(error("{network: no_thanks}").contains("plugins.worker.sandbox.network: must be true or false"))
        #expect(error("{network: 0}").contains("plugins.worker.sandbox.network: must be true or false"))
        #expect(error("{read_only_paths: {a: b}}").contains("plugins.worker.sandbox.read_only_paths: must be a list of paths"))
        #expect(error("{writable_paths: [ok, '']}").contains("plugins.worker.sandbox.writable_paths[1]: must be a path"))
        #expect(error("{writable_paths: [3]}").contains("plugins.worker.sandbox.writable_paths[0]: must be a path"))
    }

    @Test("a changed sandbox is part of the spec's diff, so apply restarts the plugin")
    func diff() throws {
        let old = try #require(try plugin("{network: true}"))
        let new = try #require(try plugin("{network: false, writable_paths: [spool]}"))
        #expect(old != new)
        #expect(new.changedFields(from: old) == ["sandbox: network true -> false, writable_paths"])
        var none = old
        none.sandbox = nil
        #expect(old.changedFields(from: none) == ["sandbox: added"])
        #expect(none.changedFields(from: old) == ["sandbox: removed"])
        #expect(!new.differsOnlyInConfig(from: old))
    }
}
