import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing
import ZeroMQ

/// A supervised instance's identity is proven by the registration token the broker gave its process,
/// not by the id and pid a peer claims.
@Suite("Supervised identity cannot be claimed (live broker)", .serialized)
struct IdentityTests {
    static let topology = """
        plugins:
          testplugin:
            command: [\(yamlQuoted(Paths.testPlugin))]
            config: { secret: s3cret-value }
          stopped:
            command: [\(yamlQuoted(Paths.testPlugin))]
            enabled: false
        """

    /// The token in the environment the broker gave `pid` (root may read any process's environment).
    static func token(of pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            if text.hasPrefix("PLEXUS_TOKEN=") { return String(text.dropFirst("PLEXUS_TOKEN=".count)) }
        }
        return nil
    }

    @Test("an impostor with a supervised instance's id and pid gets neither its session nor its config")
    func impostor() throws {
        let broker = try TestBroker(topology: Self.topology)
        defer { broker.stop() }
        let real = try broker.waitForRunning("testplugin")[0]
        let client = try broker.client()

        let impostor = try RawPeer(endpoint: broker.control)
        let claim = Registration(
            name: "testplugin", type: "test", version: "1.0.0", instance: real.instance, pid: real.pid,
            services: ["test.echo"])
        let refused = try #require(try impostor.register(JSONCoding.encode(claim)), "no answer to REGISTER")
        #expect(refused.welcome == nil)
        #expect(refused.protocolError?.code == 403 && refused.protocolError?.message.contains("PLEXUS_TOKEN") == true)
        var forged = claim
        forged.token = String(repeating: "0", count: 64)
        #expect(try impostor.register(JSONCoding.encode(forged))?.protocolError?.code == 403)

        // The real plugin keeps its session and answers every call.
        for index in 0..<3 {
            let answer = try client.call("test.echo", body: Array("\(index)".utf8))
            #expect(String(decoding: answer, as: UTF8.self) == "\(real.instance):\(index)")
        }
        let after = try #require(broker.status(of: "testplugin").first)
        #expect(after.state == .running && after.pid == real.pid && after.restarts == 0)

        // The token appears nowhere a peer or operator looks.
        let token = try #require(Self.token(of: real.pid), "no PLEXUS_TOKEN in the plugin's environment")
        #expect(token.count == 64)
        let status = try runPlexus(["status", "--json", "--broker", broker.control])
        #expect(!status.stdout.contains(token) && status.stdout.contains(real.instance))
        let plugins = try runPlexus(["plugins", "--json", "--broker", broker.control])
        #expect(!plugins.stdout.contains(token))
        #expect(!broker.log.contains(token))

        // Proof that the token is what counts: presented, it is accepted (and takes the session over).
        var proven = claim
        proven.token = token
        let welcome = try #require(try impostor.register(JSONCoding.encode(proven))?.welcome)
        #expect(welcome.config["secret"]?.stringValue == "s3cret-value")
    }

    @Test("attached peers under a supervised plugin's name get no config; a stopped plugin's id cannot be registered")
    func attachedUnderSupervisedName() throws {
        let broker = try TestBroker(topology: Self.topology)
        defer { broker.stop() }
        _ = try broker.waitForRunning("testplugin")[0]
        let peer = try RawPeer(endpoint: broker.control)
        let welcome = try #require(
            try peer.register(JSONCoding.encode(Registration(name: "testplugin", instance: "elsewhere-1")))?.welcome)
        #expect(welcome.config == .object([:]))
        #expect(broker.log.contains("gets no config block"))

        let other = try RawPeer(endpoint: broker.control)
        let refused = try other.register(JSONCoding.encode(Registration(name: "stopped", instance: "stopped-1")))
        #expect(refused?.protocolError?.code == 409, "\(String(describing: refused))")
    }
}
