import Foundation
import PlexusClient
import PlexusIntegrity
import PlexusProcess
import PlexusProtocol
import PlexusTesting
import PlexusTopology
import Testing
import ZeroMQ

/// `sandbox:` on a live broker (docs/SECURITY.md, "Sandbox"): plugins sandboxed without network
/// register over the broker's `ipc://` endpoints and exchange events; a sandbox the broker cannot
/// enforce (here: a path that does not exist) refuses the start, and `plexus check` says so first.
@Suite("Sandbox (live broker)", .serialized)
struct SandboxLiveTests {
    static let enforceable = SandboxPlan.problems(for: SandboxSpec(network: false)).isEmpty

    /// A Python with pyzmq and the SDK: `PLEXUS_PYTHON`, else the repository's venv. (pyenv's
    /// `python3` on PATH is a shell script that runs pyenv from its root, which a sandbox need not
    /// offer.)
    static var python: String {
        ProcessInfo.processInfo.environment["PLEXUS_PYTHON"] ?? Paths.root.appendingPathComponent(".build/venv/bin/python").path
    }

    /// The network namespace of a process (`net:[4026531840]`).
    private func networkNamespace(_ pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
    }

    @Test(
        "network: false: the Swift greeter and a Python plugin register over ipc://, receive and publish events",
        .enabled(if: enforceable, "needs Landlock and network namespaces"))
    func sandboxedPluginsExchangeEvents() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let spool = directory.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let record = spool.appendingPathComponent("events.txt").path
        let topology = """
            plugins:
              greeter:
                command: [\(yamlQuoted(Paths.greeter))]
                sandbox: {network: false}
              sealed:
                command: [\(yamlQuoted(Self.python)), -u, \(yamlQuoted(Paths.fixture("test_plugin.py")))]
                cwd: \(yamlQuoted(spool.path))
                config: {record: \(yamlQuoted(record))}
                sandbox:
                  network: false
                  read_only_paths: [\(yamlQuoted(Paths.root.appendingPathComponent("plugins/sdk/python").path))]
                  writable_paths: [spool]
            """
        let broker = try TestBroker(topology: topology, directory: directory)
        defer { broker.stop() }
        let greeter = try broker.waitForRunning("greeter", timeout: 30)[0]
        let sealed = try broker.waitForRunning("sealed", timeout: 30)[0]

        // Both are in network namespaces of their own: the host's 127.0.0.1 is not theirs.
        let own = networkNamespace(getpid())
        #expect(own != nil && networkNamespace(greeter.pid) != own && networkNamespace(sealed.pid) != own)

        // The greeter receives user.created through its SUB and publishes user.welcome through its PUB,
        // both on ipc://.
        let welcomes = try broker.subscribe("user.welcome")
        try broker.publish("user.created", text: #"{"name": "ada"}"#)
        let welcome = try welcomes.waitForEvent(topic: "user.welcome", timeout: 10)
        #expect(welcome.meta.source == greeter.instance)

        // The Python plugin gets its events and writes them where its sandbox lets it.
        let seen = waitFor(timeout: 10) { () -> String? in
            _ = try? broker.publish("test.sandboxed", text: "{}")
            let text = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
            return text.contains("test.sandboxed") ? text : nil
        }
        #expect(seen != nil, "the sandboxed Python plugin recorded nothing: \(broker.log.suffix(2_000))")
        #expect(broker.log.contains("/ipc"))
    }

    @Test(
        "with security.curve, a pinned greeter sandboxed without network: CURVE over ipc://, run from its sealed copy",
        .enabled(if: enforceable, "needs Landlock and network namespaces"))
    func curveAndIntegrityOverIPC() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let server = try CurveKeyPair.generate()
        try (server.secretKey + "\n").write(to: directory.appendingPathComponent("broker.key"), atomically: true, encoding: .utf8)
        let tester = CurveCredentials(serverKey: server.publicKey, keys: try CurveKeyPair.generate())
        let digest = try VerifiedCopy.sha256(of: Paths.greeter)
        let topology = """
            security:
              curve: true
              secret_key_file: broker.key
              clients:
                tester: {public_key: "\(tester.keys.publicKey)"}
              # This test is about the transport: every known identity may do everything.
              default_permissions: {publish: [">"], subscribe: [">"], serve: [">"], call: [">"], admin: ["*"]}
            plugins:
              greeter:
                command: [\(yamlQuoted(Paths.greeter))]
                sha256: "\(digest)"
                sandbox: {network: false}
            """
        let broker = try TestBroker(topology: topology, directory: directory, curve: tester)
        defer { broker.stop() }
        let greeter = try broker.waitForRunning("greeter", timeout: 30)[0]
        // The pinned executable runs from the sealed memfd the broker verified, inside the sandbox.
        let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(greeter.pid)/exe")
        #expect(executable?.hasPrefix("/memfd:") == true, "\(executable ?? "none")")
        let welcomes = try broker.subscribe("user.welcome")
        try broker.publish("user.created", text: #"{"name": "ada"}"#)
        let welcome = try welcomes.waitForEvent(topic: "user.welcome", timeout: 10)
        #expect(welcome.meta.source == greeter.instance)

        // The ipc:// control endpoint is a CURVE server with the same ZAP handler: a key it does not
        // know is refused there too, and one it knows is answered.
        let ipc = directory.appendingPathComponent(".plexus/ipc/control.sock").path
        #expect(FileManager.default.fileExists(atPath: ipc))
        let strangerKeys = CurveCredentials(serverKey: server.publicKey, keys: try CurveKeyPair.generate())
        let stranger = try ControlClient(endpoint: "ipc://" + ipc, timeout: 5, curve: strangerKeys)
        #expect {
            _ = try stranger.ping()
        } throws: { error in
            if case ClientError.keyRefused = error { return true }
            return false
        }
        let known = try ControlClient(endpoint: "ipc://" + ipc, timeout: 5, curve: tester)
        #expect(try known.ping().0.broker.hasPrefix("b-"))
        // DISCOVER over ipc:// names the ipc event endpoints (a client without network uses them).
        let discovered = try known.discover()
        #expect(discovered.eventsOut == "ipc://" + directory.appendingPathComponent(".plexus/ipc/events_out.sock").path)
        #expect(try broker.client().discover().ipc?.control == "ipc://" + ipc)
        #expect(try broker.client().discover().eventsOut.hasPrefix("tcp://"))
    }

    static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        "a broker that is not root: the greeter without network in a user and network namespace, over ipc://",
        .enabled(if: enforceable && getuid() == 0 && setpriv != nil, "needs root (to become nobody) and setpriv"))
    func unprivilegedBroker() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        // The broker runs as nobody (65534) through a wrapper; its directory must be nobody's.
        let wrapper = directory.appendingPathComponent("plexus-as-nobody").path
        try "#!/bin/sh\nexec \(Self.setpriv!) --reuid=65534 --regid=65534 --clear-groups \(yamlQuoted(Paths.plexus)) \"$@\"\n"
            .write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        chown(directory.path, 65_534, 65_534)
        let topology = "plugins:\n  greeter:\n    command: [\(yamlQuoted(Paths.greeter))]\n    sandbox: {network: false}\n"
        let broker = try TestBroker(plexus: wrapper, topology: topology, directory: directory)
        defer { broker.stop() }
        let greeter = try broker.waitForRunning("greeter", timeout: 30)[0]
        let status = (try? String(contentsOfFile: "/proc/\(greeter.pid)/status", encoding: .utf8)) ?? ""
        #expect(status.contains("Uid:\t65534"), "\(status.prefix(400))")
        #expect(networkNamespace(greeter.pid) != networkNamespace(getpid()))
        let welcomes = try broker.subscribe("user.welcome")
        try broker.publish("user.created", text: #"{"name": "ada"}"#)
        #expect(try welcomes.waitForEvent(topic: "user.welcome", timeout: 10).meta.source == greeter.instance)
    }

    @Test("a data directory too long for a unix socket path: a clear error when a plugin needs ipc://, else a warning")
    func ipcPathTooLong() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let data = directory.appendingPathComponent(String(repeating: "d", count: 100)).path
        let sealed = "plugins:\n  greeter:\n    command: [\(yamlQuoted(Paths.greeter))]\n    sandbox: {network: false}\n"
        #expect {
            _ = try TestBroker(topology: sealed, directory: directory, arguments: ["--data", data], readyTimeout: 10)
        } throws: { error in
            "\(error)".contains("longer than a unix socket path may be (107 bytes): use a shorter data directory (--data)")
        }
        let open = "plugins:\n  greeter:\n    command: [\(yamlQuoted(Paths.greeter))]\n"
        let broker = try TestBroker(topology: open, directory: directory, arguments: ["--data", data])
        defer { broker.stop() }
        _ = try broker.waitForRunning("greeter", timeout: 30)
        #expect(broker.log.contains("cannot bind the ipc:// endpoints for plugins sandboxed without network"))
    }

    @Test(
        "a sandbox the broker cannot enforce is not ignored: check fails, and the plugin does not start",
        .enabled(if: enforceable, "needs Landlock and network namespaces"))
    func unenforceableSandboxRefusesTheStart() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let topology = """
            plugins:
              greeter:
                command: [\(yamlQuoted(Paths.greeter))]
                restart: never
                sandbox: {read_only_paths: [missing/models]}
            """
        let file = directory.appendingPathComponent("check.yaml")
        try topology.write(to: file, atomically: true, encoding: .utf8)
        let check = try TestProcess(Paths.plexus, ["check", file.path], name: "check", directory: directory)
        let status = check.waitForExit(timeout: 30)
        #expect(status == 1, "\(check.stdout) \(check.stderr)")
        #expect(check.stderr.contains("plugins.greeter.sandbox.read_only_paths: \(directory.path)/missing/models does not exist"))

        let broker = try TestBroker(topology: topology, directory: directory)
        defer { broker.stop() }
        let failed = try broker.waitForInstances("greeter", timeout: 20) { $0.state == .failed }
        #expect(failed[0].reason?.hasPrefix("cannot start: sandbox.read_only_paths:") == true, "\(failed[0].reason ?? "")")
        #expect(broker.log.contains("plugin cannot start: sandbox.read_only_paths"))

        // APPLY refuses a topology with such a sandbox before it changes anything.
        let edited = topology.replacingOccurrences(of: "missing/models", with: "missing/other")
        #expect {
            _ = try broker.client().request(.apply(yaml: edited, baseDirectory: directory.path))
        } throws: { error in
            "\(error)".contains(
                "not applied, nothing changed: plugins.greeter.sandbox.read_only_paths: \(directory.path)/missing/other")
        }
    }
}
