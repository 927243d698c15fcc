import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// Probes run by the broker and plain processes (docs/PROTOCOL.md section 4, "Health" and "Plain
/// processes"), with real processes: Python's `http.server` supervised like supervisord would, and the
/// test plugin probed with an exec command.
@Suite("Probes and plain processes (live)", .serialized)
struct ProbeTests {
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("a plain process: running when its HTTP probe passes, its dependent after it; crash, restart, logs and stop")
    func plainProcess() throws {
        let port = try Self.freePort()
        let topology = """
            broker: { heartbeat_ms: 200 }
            plugins:
              web:
                protocol: none
                command: [\(Paths.pythonCommand), -u, -m, http.server, "\(port)", --bind, 127.0.0.1]
                restart: { policy: always, initial: 100ms }
                start_timeout: 20s
                stop_timeout: 2s
                health:
                  probe: { http: "http://127.0.0.1:\(port)/", interval: 200ms, timeout: 1s, failure_threshold: 1 }
              app:
                command: [\(Paths.testPlugin)]
                depends_on: [web]
            """
        let broker = try TestBroker(topology: topology)
        defer { broker.stop() }
        let web = try #require(try broker.waitForRunning("web", timeout: 30).first)
        #expect(web.pid > 0 && web.health?.status == .passing)
        let app = try #require(try broker.waitForRunning("app", timeout: 30).first)
        #expect(app.state == .running)
        // Every supervised instance running and not critical: the broker says it is ready.
        #expect(waitUntil(timeout: 10) { (try? broker.client().ping().0.ready) == true })
        // The dependent started only once web was running: the broker stamped the two events in that order.
        func named(_ plugin: String) -> (ReceivedEvent) throws -> Bool {
            { try JSONCoding.decode(InstanceInfo.self, from: $0.payload, what: "lifecycle").name == plugin }
        }
        let webRunning = try broker.waitForEvent(topic: "plexus.plugin.running", timeout: 5, where: named("web"))
        let appStarting = try broker.waitForEvent(topic: "plexus.plugin.starting", timeout: 5, where: named("app"))
        #expect(appStarting.meta.seq > webRunning.meta.seq)
        #expect(try broker.plugins().allSatisfy { $0.name != "web" }, "a plain process has no session")

        // Its output is captured: http.server logs each probe's GET on stderr.
        #expect(
            waitUntil(timeout: 10) {
                let body = try? broker.client().request(.logs(plugin: "web", since: 0, limit: 1000))
                let logs = body.flatMap { try? JSONCoding.decode(LogsReply.self, from: $0[0], what: "logs") }
                return logs?.lines.contains { $0.line.contains("GET / ") } == true
            })

        // A crash: restarted by its policy, running again once the probe passes.
        kill(web.pid, SIGKILL)
        let again = try broker.waitForInstances("web", timeout: 30) { $0.state == .running && $0.pid != web.pid }
        #expect(again.first?.restarts == 1)

        // Stop: SIGTERM (no session to ask), then stopped; the broker is not ready without it.
        _ = try broker.client().request(.lifecycle(.stop, plugin: "web"))
        let stopped = try broker.waitForInstances("web", timeout: 15) { $0.state == .stopped }
        #expect(stopped.first?.lastExit?.isEmpty == false)
        let ping = try broker.client().ping().0
        #expect(ping.ready == false && ping.notReady?.contains { $0.hasPrefix("web-1 is stopped") } == true, "\(ping)")
    }

    @Test("an exec probe turns critical and passing; on_critical: restart restarts the instance after `for`")
    func execProbeRestarts() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let flag = directory.appendingPathComponent("healthy").path
        _ = FileManager.default.createFile(atPath: flag, contents: Data())
        let topology = """
            broker: { heartbeat_ms: 200 }
            plugins:
              probed:
                command: [\(Paths.testPlugin)]
                # on-failure: the SDK exits 0 on SIGTERM, and the restart must happen all the same.
                restart: { policy: on-failure, initial: 100ms }
                health:
                  probe: { exec: [test, -f, \(flag)], interval: 200ms, timeout: 2s, failure_threshold: 2, success_threshold: 1 }
                  on_critical: restart
                  for: 1s
            """
        let broker = try TestBroker(topology: topology, directory: directory)
        defer { broker.stop() }
        let first = try #require(try broker.waitForRunning("probed").first)
        #expect(waitUntil(timeout: 10) { (try? broker.status(of: "probed").first?.health?.probe?.status) == .passing })

        try FileManager.default.removeItem(atPath: flag)
        let critical = try broker.waitForPluginEvent("plexus.plugin.health", plugin: "probed", timeout: 10) {
            $0.health?.status == .critical
        }
        #expect(critical.health?.isolated == true && critical.health?.message.hasPrefix("probe:") == true)
        // Critical for `for` (1 s): restarted. Healthy again only then, so that the restart is not raced.
        let restarted = try broker.waitForInstances("probed", timeout: 20) { $0.pid != first.pid && $0.pid > 0 }
        #expect((restarted.first?.restarts ?? 0) >= 1)
        _ = FileManager.default.createFile(atPath: flag, contents: Data())
        #expect(waitUntil(timeout: 10) { (try? broker.status(of: "probed").first?.health?.status) == .passing })
    }
}
