import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// A Swift plugin's health reports (docs/PROTOCOL.md section 4, "Health"), end to end: the SDK sends
/// `HEALTH`, the broker takes critical instances out of rotation and says so in `STATUS`, in
/// `plexus.plugin.health` and in `plexus status`.
@Suite("Health of a supervised Swift plugin (live processes)", .serialized)
struct HealthTests {
    /// Who answered: the instance id before the first `:`.
    static func server(_ reply: String) -> String { String(reply.prefix { $0 != ":" }) }

    @Test("setHealth critical: every call goes to the other instance, STATUS shows it isolated, then it recovers")
    func setHealthIsolates() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let flag = directory.appendingPathComponent("unhealthy").path
        let broker = try TestBroker(
            topology: """
                plugins:
                  svc:
                    command: [\(yamlQuoted(Paths.testPlugin))]
                    instances: 2
                    config: { health_flag: \(yamlQuoted(flag)), health_interval_ms: 100 }
                """, directory: directory)
        defer { broker.stop() }
        #expect(try broker.waitForRunning("svc").count == 2)

        // Whichever instance takes this call sets itself critical for 3 s (the default hook, passing every
        // 100 ms meanwhile, does not hide it).
        let report = #"{"status": "critical", "message": "database unreachable"}"#
        let answer = try broker.call("test.health", text: report, options: CallOptions(headers: ["for_ms": "3000"]))
        let sick = Self.server(answer)
        let healthy = sick == "svc-1" ? "svc-2" : "svc-1"
        #expect(answer == "\(sick): critical")
        let event = try broker.waitForPluginEvent("plexus.plugin.health", plugin: "svc") {
            $0.instance == sick && $0.health?.status == .critical
        }
        #expect(event.health?.isolated == true && event.health?.message == "database unreachable")

        for n in 0..<6 { #expect(Self.server(try broker.call("test.echo", text: "\(n)")) == healthy) }
        let status = try broker.status(of: "svc")
        let sickInfo = try #require(status.first { $0.instance == sick })
        let healthyInfo = try #require(status.first { $0.instance == healthy })
        #expect(sickInfo.health?.status == .critical && sickInfo.health?.isolated == true)
        #expect(sickInfo.health?.reported == .critical)
        #expect(healthyInfo.health?.status == .passing && healthyInfo.health?.isolated == false)
        let table = try runPlexus(["status", "--broker", broker.control])
        #expect(table.status == 0 && table.stdout.contains("HEALTH"))
        #expect(table.stdout.split(separator: "\n").contains { $0.contains(sick) && $0.contains("critical (isolated)") })

        // 3 s later the plugin sets passing again: back in rotation.
        let recovered = try broker.waitForPluginEvent("plexus.plugin.health", plugin: "svc") {
            $0.instance == sick && $0.health?.status == .passing
        }
        #expect(recovered.health?.isolated == false)
        let servers = try (0..<4).map { Self.server(try broker.call("test.echo", text: "\($0)")) }
        #expect(Set(servers) == [sick, healthy])
    }

    @Test("the health() hook: a flag file makes both instances critical (503), removing it brings them back")
    func hookFromFlagFile() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let flag = directory.appendingPathComponent("unhealthy").path
        let broker = try TestBroker(
            topology: """
                plugins:
                  svc:
                    command: [\(yamlQuoted(Paths.testPlugin))]
                    instances: 2
                    config: { health_flag: \(yamlQuoted(flag)), health_interval_ms: 100 }
                """, directory: directory)
        defer { broker.stop() }
        #expect(try broker.waitForRunning("svc").count == 2)
        #expect(Self.server(try broker.call("test.echo", text: "before")).hasPrefix("svc-"))

        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        var critical: Set<String> = []
        for _ in 0..<2 {
            let event = try broker.waitForPluginEvent("plexus.plugin.health", plugin: "svc", timeout: 5) {
                $0.health?.status == .critical && !critical.contains($0.instance)
            }
            #expect(event.health?.message == "the health flag file exists" && event.health?.isolated == true)
            critical.insert(event.instance)
        }
        #expect(critical == ["svc-1", "svc-2"])
        let refused = rejection { _ = try broker.call("test.echo", text: "during") }
        #expect(refused?.code == 503 && refused?.error == "unavailable")

        try FileManager.default.removeItem(atPath: flag)
        var passing: Set<String> = []
        for _ in 0..<2 {
            let event = try broker.waitForPluginEvent("plexus.plugin.health", plugin: "svc", timeout: 5) {
                $0.health?.status == .passing && !passing.contains($0.instance)
            }
            passing.insert(event.instance)
        }
        #expect(passing == ["svc-1", "svc-2"])
        #expect(try broker.status(of: "svc").allSatisfy { $0.health?.status == .passing && $0.health?.isolated == false })
        #expect(Self.server(try broker.call("test.echo", text: "after")).hasPrefix("svc-"))
    }

    @Test("after a broker restart, an attached plugin sends its critical report again on the new session")
    func resentAfterBrokerRestart() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let first = try TestBroker(directory: directory)
        let control = first.control
        let plugin = try TestProcess(
            Paths.testPlugin, [], name: "testplugin", environment: ["PLEXUS_BROKER": control], directory: directory)
        defer { plugin.stop() }
        try first.waitForPlugin("testplugin")
        let answer = try first.call("test.health", text: #"{"status": "critical", "message": "disk full"}"#)
        #expect(answer.hasSuffix(": critical"))
        try first.waitForPluginEvent("plexus.plugin.health", plugin: "testplugin") { $0.health?.status == .critical }

        first.process.signal(SIGTERM)
        #expect(first.process.waitForExit(timeout: 10) == 0)
        #expect(plugin.isRunning)
        let second = try TestBroker(control: control, directory: directory)
        defer { second.stop() }
        // A new session starts passing on the broker's side; the SDK sends its report again right after
        // READY (not at the hook's next call, 10 s after start without health_interval_ms).
        try second.waitForPlugin("testplugin", timeout: 15)
        let health = try #require(
            waitFor(timeout: 3) { () -> InstanceHealth? in
                let info = try? second.plugins().first { $0.name == "testplugin" }
                return info?.health.flatMap { $0.status == .critical ? $0 : nil }
            }, "no critical report on the new session: \(plugin.stderr.suffix(2000))")
        #expect(health.isolated && health.message == "disk full")
        let refused = rejection { _ = try second.call("test.echo", text: "x") }
        #expect(refused?.code == 503)
        let table = try runPlexus(["plugins", "--broker", control])
        #expect(table.stdout.contains("HEALTH") && table.stdout.contains("critical (isolated)"))
    }
}
