import Foundation
import PlexusBroker
import PlexusClient
import PlexusProtocol
import PlexusTopology

/// Spawn-to-running and crash-to-running times of supervised plugins, measured with the broker's own
/// event time stamps (`plexus.plugin.starting` → `plexus.plugin.running`), against the time the bare
/// program takes to start and exit, in the same run.
struct LifecycleBench {
    struct Figures {
        var spawnToRunning: [Double] = []
        var crashToRunning: [Double] = []
    }

    let greeter: String
    let auditScript: String
    let rounds: Int

    /// Runs both plugins under one broker and returns figures by plugin name (milliseconds).
    func run() throws -> [String: Figures] {
        let topology = try Topology.parse(
            """
            plugins:
              swift:
                command: ["\(greeter)"]
                restart: { policy: always, initial: 0 }
              python:
                command: [python3, "\(auditScript)"]
                config: { path: /dev/null }
                restart: { policy: always, initial: 0 }
            """)
        let broker = try LocalBroker(topology: topology)
        defer { broker.stop() }
        let client = try ControlClient(endpoint: broker.endpoints.control, timeout: 10)
        let events = try EventSubscriber(endpoint: broker.endpoints.eventsOut, patterns: ["plexus.plugin.*"])
        try waitUntilRunning(client, ["swift", "python"])

        var figures: [String: Figures] = [:]
        for plugin in ["swift", "python"] {
            for _ in 0..<rounds {
                // Spawn → running: a restart, timed from the broker's `starting` event to its `running` event.
                _ = try client.request(.lifecycle(.restart, plugin: plugin))
                let starting = try next(events, "plexus.plugin.starting", plugin)
                let running = try next(events, "plexus.plugin.running", plugin)
                figures[plugin, default: Figures()].spawnToRunning.append(Double(running - starting) / 1000)

                // Crash → running: SIGKILL, timed from the kill to the `running` event.
                let pid = try client.request(.status, as: [InstanceInfo].self).first { $0.name == plugin }!.pid
                let killedAt = Self.wallMicroseconds()
                kill(pid, SIGKILL)
                let back = try next(events, "plexus.plugin.running", plugin)
                figures[plugin, default: Figures()].crashToRunning.append(Double(back - killedAt) / 1000)
            }
        }
        return figures
    }

    /// Median time (ms) to start `argv` and wait for its exit: what any launch of it costs.
    static func bareStart(_ argv: [String], rounds: Int) -> Double {
        let times = (0..<rounds).map { _ -> Double in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let start = DispatchTime.now().uptimeNanoseconds
            try? process.run()
            process.waitUntilExit()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        return times.sorted()[times.count / 2]
    }

    private func waitUntilRunning(_ client: ControlClient, _ plugins: [String]) throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let status = try client.request(.status, as: [InstanceInfo].self)
            if plugins.allSatisfy({ name in status.contains { $0.name == name && $0.state == .running } }) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BenchError("plugins did not start; is python3 with pyzmq installed, and greeter built?")
    }

    /// The broker time stamp (µs) of the next `topic` event about `plugin`.
    private func next(_ events: EventSubscriber, _ topic: String, _ plugin: String) throws -> Int64 {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            guard let event = try events.next(timeout: deadline.timeIntervalSinceNow) else { break }
            guard event.topic == topic,
                let info = try? JSONCoding.decode(InstanceInfo.self, from: event.payload, what: "event"),
                info.name == plugin
            else { continue }
            return event.meta.time
        }
        throw BenchError("no \(topic) event for \(plugin) within 30 s")
    }

    static func wallMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
