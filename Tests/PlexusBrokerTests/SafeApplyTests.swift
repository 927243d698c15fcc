import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import PlexusTopology
import Testing

/// A command that cannot be launched fails `plexus check` and `APPLY` before anything is stopped.
@Suite("Unlaunchable commands are refused before anything changes", .serialized)
struct SafeApplyTests {
    @Test("launchProblem: a missing file, a directory, a file that is not executable, a program not on PATH")
    func launchProblems() throws {
        func spec(_ command: [String]) -> PluginSpec { PluginSpec(name: "p", command: command) }
        #expect(spec(["/bin/sh"]).launchProblem() == nil)
        #expect(spec(["sh", "-c", "true"]).launchProblem(searchPath: "/usr/bin:/bin") == nil)
        #expect(spec(["/no/such/greeterr"]).launchProblem()?.contains("does not exist") == true)
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let plain = directory.appendingPathComponent("not-executable").path
        #expect(FileManager.default.createFile(atPath: plain, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))
        #expect(spec([plain]).launchProblem()?.contains("not an executable") == true)
        #expect(spec(["/tmp"]).launchProblem() != nil)
        #expect(spec(["greeterr"]).launchProblem(searchPath: "/usr/bin:/bin")?.contains("not on PATH") == true)
        #expect(PluginSpec(name: "attached").launchProblem() == nil)
    }

    @Test("plexus check names the plugin whose command is missing; APPLY of it is refused and the running plugin stays")
    func checkAndApply() throws {
        let good = "plugins:\n  app:\n    command: [\(Paths.testPlugin)]\n"
        let broker = try TestBroker(topology: good)
        defer { broker.stop() }
        let running = try #require(try broker.waitForRunning("app").first)

        let bad = broker.directory.appendingPathComponent("bad.yaml")
        try "plugins:\n  app:\n    command: [\(Paths.testPlugin)r]\n".write(to: bad, atomically: true, encoding: .utf8)
        let check = try runPlexus(["check", bad.path])
        #expect(check.status != 0 && check.stderr.contains("plugins.app.command") && check.stderr.contains("does not exist"))

        let apply = try runPlexus(["apply", bad.path, "--broker", broker.control])
        #expect(apply.status != 0 && apply.stderr.contains("nothing changed"), "\(apply.stderr)")
        let after = try #require(try broker.status(of: "app").first)
        #expect(after.state == .running && after.pid == running.pid, "the working plugin was touched")
    }

    @Test(
        "apply of a changed plugin starts the new instance before the old one stops; a new version that fails leaves the old running"
    )
    func handOver() throws {
        func topology(_ command: String, mode: String) -> String {
            "plugins:\n  app:\n    command: \(command)\n    env: { MODE: \(mode) }\n    restart: { policy: never }\n"
        }
        let broker = try TestBroker(topology: topology("[\(Paths.testPlugin)]", mode: "a"))
        defer { broker.stop() }
        let old = try #require(try broker.waitForRunning("app").first)

        let edited = broker.directory.appendingPathComponent("edited.yaml")
        try topology("[\(Paths.testPlugin)]", mode: "b").write(to: edited, atomically: true, encoding: .utf8)
        try broker.discardEvents()
        let apply = try runPlexus(["apply", edited.path, "--broker", broker.control])
        #expect(apply.status == 0 && apply.stdout.contains("restart: app"), "\(apply.stdout)\(apply.stderr)")
        // The order of the lifecycle events shows the handover: the successor ran before the old one stopped.
        var order: [String] = []
        for _ in 0..<50 where !order.contains("stopped app-1") {
            guard
                let event = try? broker.waitForEvent(
                    topic: "plexus.plugin.*", timeout: 10, where: { $0.topic != "plexus.plugin.registered" })
            else { break }
            let info = try JSONCoding.decode(InstanceInfo.self, from: event.payload, what: "event")
            order.append("\(event.topic.split(separator: ".").last!) \(info.instance)")
        }
        let running = try #require(order.firstIndex(of: "running app-1-g1"), "\(order)")
        let stopped = try #require(order.firstIndex(of: "stopped app-1"), "\(order)")
        #expect(running < stopped, "\(order)")
        let new = try #require(try broker.status(of: "app").first)
        #expect(new.instance == "app-1-g1" && new.pid != old.pid && new.state == .running)

        // A new version that exits at once: the apply fails, and the running instance keeps serving.
        try topology("[/bin/sh, -c, \"exit 3\"]", mode: "c").write(to: edited, atomically: true, encoding: .utf8)
        let broken = try runPlexus(["apply", edited.path, "--broker", broker.control])
        #expect(broken.status != 0 && broken.stderr.contains("failed"), "\(broken.stdout)\(broken.stderr)")
        let after = try broker.status(of: "app")
        #expect(after.contains { $0.instance == "app-1-g1" && $0.state == .running && $0.pid == new.pid }, "\(after)")
    }
}
