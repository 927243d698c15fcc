import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// A closed pipe on the output (`| head -1`) ends writing, never the process: the broker keeps running
/// and stops its plugins gracefully on Ctrl-C; a CLI command ends quietly.
@Suite("Closed pipes (live)", .serialized)
struct ClosedPipeTests {
    /// What the broker's ready file says, its pid included.
    struct Ready: Decodable {
        var control: String
        var eventsOut: String
        var pid: Int32

        enum CodingKeys: String, CodingKey {
            case control, pid
            case eventsOut = "events_out"
        }
    }

    @Test("plexus broker | head -1 survives the reader leaving; SIGINT then stops its plugin gracefully")
    func brokerIntoHead() throws {
        let directory = try TestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let topology = directory.appendingPathComponent("topology.yaml")
        try "plugins:\n  testplugin:\n    command: [\(yamlQuoted(Paths.testPlugin))]\n".write(
            to: topology, atomically: true, encoding: .utf8)
        let readyFile = directory.appendingPathComponent("ready.json")
        let pipeline =
            "exec \(Paths.plexus) broker --topology \(topology.path) --control 'tcp://127.0.0.1:*' "
            + "--events-in 'tcp://127.0.0.1:*' --events-out 'tcp://127.0.0.1:*' --ready-file \(readyFile.path) "
            + "2>&1 | head -1"
        let shell = try TestProcess("/bin/bash", ["-c", pipeline], name: "pipeline", directory: directory)
        defer { shell.stop() }
        let ready = try #require(
            waitFor(timeout: 20) { () -> Ready? in
                (try? Data(contentsOf: readyFile)).flatMap { try? JSONDecoder().decode(Ready.self, from: $0) }
            }, "no ready file")
        defer { if !TestProcess.isGone(ready.pid) { kill(ready.pid, SIGKILL) } }
        let client = try ControlClient(endpoint: ready.control, timeout: 5)
        #expect(
            waitUntil(timeout: 20) { (try? client.status())?.first?.state == .running },
            "the plugin never ran")
        // `head` has printed its line and gone: every later log line meets a closed pipe.
        #expect(waitUntil(timeout: 10) { !shell.stdout.isEmpty })
        let subscriber = try EventSubscriber(endpoint: ready.eventsOut, patterns: ["plexus.plugin.>"])
        #expect(waitUntil(timeout: 10) { ((try? client.stats().subscriptions) ?? 0) >= 1 })
        for _ in 0..<20 { _ = try client.ping() }  // more log lines into the closed pipe
        #expect(!TestProcess.isGone(ready.pid), "the broker died of its closed output")

        kill(ready.pid, SIGINT)
        var stopped: InstanceInfo?
        let deadline = Date().addingTimeInterval(15)
        while stopped == nil, deadline.timeIntervalSinceNow > 0,
            let event = try subscriber.next(timeout: deadline.timeIntervalSinceNow)
        {
            if event.topic == "plexus.plugin.stopped" {
                stopped = try? JSONCoding.decode(InstanceInfo.self, from: event.payload, what: "stopped")
            }
        }
        let info = try #require(stopped, "no plexus.plugin.stopped after SIGINT")
        #expect(info.lastExit == "exit 0", "the plugin did not stop gracefully: \(info)")
        #expect(waitUntil(timeout: 15) { TestProcess.isGone(ready.pid) }, "the broker did not stop after SIGINT")
    }

    @Test("plexus subscribe | head -1 ends with status 0 once the reader has gone")
    func subscribeIntoHead() throws {
        let broker = try TestBroker(topology: "plugins: {}\n")
        defer { broker.stop() }
        let script = "\(Paths.plexus) subscribe 'pipe.>' --broker \(broker.control) | head -1; echo \"status ${PIPESTATUS[0]}\""
        let shell = try TestProcess("/bin/bash", ["-c", script], name: "subscribe")
        defer { shell.stop() }
        let client = try broker.client()
        // Keep publishing until the pipeline is done: its first event reaches head, a later one the closed pipe.
        let finished = waitUntil(timeout: 20, interval: 0.05) {
            _ = try? client.publish(PublishRequest(topic: "pipe.x", payload: Array("hello".utf8)))
            return shell.stdout.contains("status ")
        }
        #expect(finished, "the pipeline did not finish: \(shell.stdout) \(shell.stderr)")
        #expect(shell.stdout.contains("pipe.x") && shell.stdout.contains("status 0"), "\(shell.stdout) \(shell.stderr)")
    }
}
