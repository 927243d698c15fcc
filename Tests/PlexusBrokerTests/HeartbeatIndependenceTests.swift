import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// A handler that blocks for longer than the liveness window must not stop the plugin's heartbeats.
@Suite("Heartbeats do not depend on handlers (live)", .serialized)
struct HeartbeatIndependenceTests {
    @Test("a Swift handler blocking its thread for 3 s, with a 0.9 s liveness window, leaves the session alive")
    func blockingSwiftHandler() throws {
        let broker = try TestBroker(
            topology: """
                broker: { heartbeat_ms: 300, liveness: 3 }
                plugins:
                  testplugin:
                    command: [\(yamlQuoted(Paths.testPlugin))]
                """)
        defer { broker.stop() }
        let running = try broker.waitForRunning("testplugin")[0]
        let answer = try broker.client(timeout: 10).call(
            "test.block", body: [], options: CallOptions(timeoutMilliseconds: 8_000, headers: ["sleep_ms": "3000"]))
        #expect(String(decoding: answer, as: UTF8.self) == running.instance)
        let after = try #require(broker.status(of: "testplugin").first)
        #expect(after.state == .running && after.pid == running.pid && after.restarts == 0)
        // The broker's lifecycle events have been watched since it started.
        #expect(throws: PlexusTestingError.self, "the plugin was declared lost while its handler blocked") {
            try broker.waitForEvent(topic: "plexus.plugin.lost", timeout: 0.3)
        }
    }
}
