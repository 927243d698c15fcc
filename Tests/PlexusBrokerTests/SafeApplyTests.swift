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
}
