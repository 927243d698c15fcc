import Foundation
import PlexusBroker
import PlexusClient
import PlexusProtocol

/// A real `plexus broker` process on ephemeral 127.0.0.1 ports, started and stopped by a test.
final class BrokerProcess: @unchecked Sendable {
    let child: ChildProcess
    let endpoints: BoundEndpoints
    let directory: URL

    /// Starts a broker and waits until it has written its ready file. `control` may name a fixed port
    /// (to restart a broker where plugins expect it); events endpoints are always ephemeral.
    init(
        control: String = "tcp://127.0.0.1:*", topology: String? = nil, directory: URL? = nil,
        extraArguments: [String] = []
    ) throws {
        self.directory = try directory ?? Paths.temporaryDirectory()
        let readyFile = self.directory.appendingPathComponent("ready-\(UUID().uuidString.prefix(6)).json")
        var arguments = [
            "broker", "--control", control, "--events-in", "tcp://127.0.0.1:*",
            "--events-out", "tcp://127.0.0.1:*", "--ready-file", readyFile.path,
        ]
        if let topology {
            let file = self.directory.appendingPathComponent("topology.yaml")
            try topology.write(to: file, atomically: true, encoding: .utf8)
            arguments += ["--topology", file.path]
        }
        child = try ChildProcess(
            Paths.plexus, arguments + extraArguments, name: "broker-\(UUID().uuidString.prefix(4))",
            directory: self.directory)
        let ready = waitFor(timeout: 20) { () -> BoundEndpoints? in
            guard let data = try? Data(contentsOf: readyFile) else { return nil }
            return try? JSONDecoder().decode(BoundEndpoints.self, from: data)
        }
        guard let ready else {
            child.stop()
            throw TestFailure("broker did not become ready: \(child.stderr)")
        }
        endpoints = ready
    }

    var control: String { endpoints.control }
    var log: String { child.stderr }

    func client(timeout: Double = 5) throws -> ControlClient {
        try ControlClient(endpoint: control, timeout: timeout)
    }

    func subscriber(_ patterns: [String]) throws -> EventSubscriber {
        try EventSubscriber(endpoint: endpoints.eventsOut, patterns: patterns)
    }

    /// Waits until the broker holds at least `count` subscriptions, so no event is lost to the
    /// subscription still travelling (ZeroMQ's slow joiner).
    func waitForSubscriptions(_ count: Int, timeout: Double = 10) throws -> Bool {
        let client = try client()
        return waitUntil(timeout: timeout) { ((try? client.stats().subscriptions) ?? 0) >= count }
    }

    /// The registry, or an empty list if the broker does not answer.
    func plugins() -> [InstanceInfo] {
        (try? client(timeout: 2).plugins()) ?? []
    }

    /// Waits until an instance with `name` is in `state`.
    func waitForPlugin(_ name: String, state: InstanceState = .running, timeout: Double = 15) -> InstanceInfo? {
        waitFor(timeout: timeout, interval: 0.05) { plugins().first { $0.name == name && $0.state == state } }
    }

    func stop() { child.stop() }
}
