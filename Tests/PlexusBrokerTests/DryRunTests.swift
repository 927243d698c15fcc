import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// `APPLY` as a dry run, `plexus diff` and `plexus shutdown`, through the CLI against a real broker.
@Suite("Dry-run apply, diff and shutdown (live)", .serialized)
struct DryRunTests {
    static func topology(command: String, greeting: String, every: String = "1h") -> String {
        """
        plugins:
          app:
            command: [\(command)]
            config: { greeting: \(greeting) }
        tasks:
          tick:
            every: \(every)
            service: app.echo
        """
    }

    @Test("apply --dry-run and diff show the plan, the changed fields and the missing command; nothing is touched")
    func dryRunTouchesNothing() throws {
        let broker = try TestBroker(topology: Self.topology(command: Paths.testPlugin, greeting: "hi"))
        defer { broker.stop() }
        let running = try #require(try broker.waitForRunning("app").first)
        let bad = broker.directory.appendingPathComponent("bad.yaml")
        try Self.topology(command: Paths.testPlugin + "r", greeting: "hello", every: "2h")
            .write(to: bad, atomically: true, encoding: .utf8)

        let dry = try runPlexus(["apply", bad.path, "--dry-run", "--broker", broker.control])
        #expect(dry.status == 1 && dry.stdout.contains("would restart: app"), "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("would update task: tick") && dry.stdout.contains("does not exist"), "\(dry.stdout)")
        #expect(dry.stderr.contains("would be refused"), "\(dry.stderr)")

        let json = try runPlexus(["apply", bad.path, "--dry-run", "--json", "--broker", broker.control])
        let plan = try JSONCoding.decode(ApplyPlan.self, from: Array(json.stdout.utf8), what: "plan")
        #expect(plan.dryRun && plan.restart == ["app"] && plan.tasks.update == ["tick"])
        #expect(plan.problems.map(\.plugin) == ["app"])
        let change = try #require(plan.changes.first { $0.name == "app" })
        #expect(change.fields.contains("config: ~greeting") && change.fields.contains { $0.hasPrefix("command: [") })
        // Config values never show: they may be secrets.
        #expect(!json.stdout.contains("hello"))

        let diff = try runPlexus(["diff", bad.path, "--broker", broker.control])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("~ plugin app (restart)") && diff.stdout.contains("    config: ~greeting"), "\(diff.stdout)")
        #expect(diff.stdout.contains("~ task tick (update)") && diff.stdout.contains("! plugin app:"), "\(diff.stdout)")
        #expect(try runPlexus(["diff", bad.path, "--exit-code", "--broker", broker.control]).status == 1)

        // The same file as running: no changes, exit 0 even with --exit-code.
        let same = broker.directory.appendingPathComponent("topology.yaml").path
        let none = try runPlexus(["diff", same, "--exit-code", "--broker", broker.control])
        #expect(none.status == 0 && none.stdout.contains("no changes"), "\(none.stdout)\(none.stderr)")

        let real = try runPlexus(["apply", bad.path, "--broker", broker.control])
        #expect(real.status != 0 && real.stderr.contains("nothing changed"), "\(real.stderr)")
        let after = try #require(try broker.status(of: "app").first)
        #expect(after.state == .running && after.pid == running.pid, "the working plugin was touched")
        let task = try broker.client().request(.tasks(.show, argument: "tick"))
        #expect(String(decoding: task.first ?? [], as: UTF8.self).contains("3600"), "the task was redefined")
    }

    @Test("a relative command resolves against the running topology's directory, or --base-dir")
    func baseDirectory() throws {
        let broker = try TestBroker(topology: "plugins: {}\n", watching: [])
        defer { broker.stop() }
        // ./plugin exists next to the applied file only, not next to the running topology.
        let other = try TestDirectory.make()
        defer { TestDirectory.remove(other) }
        let link = other.appendingPathComponent("plugin")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: Paths.testPlugin)
        let copy = other.appendingPathComponent("copy.yaml")
        try "plugins:\n  app:\n    command: [./plugin]\n    instances: 2\n".write(to: copy, atomically: true, encoding: .utf8)
        let running = try runPlexus(["apply", copy.path, "--dry-run", "--json", "--broker", broker.control])
        let plan = try JSONCoding.decode(ApplyPlan.self, from: Array(running.stdout.utf8), what: "plan")
        #expect(plan.problems.first?.problem.contains(broker.directory.lastPathComponent + "/plugin") == true, "\(plan.problems)")
        let based = try runPlexus([
            "apply", copy.path, "--dry-run", "--json", "--base-dir", other.path, "--broker", broker.control,
        ])
        let basedPlan = try JSONCoding.decode(ApplyPlan.self, from: Array(based.stdout.utf8), what: "plan")
        #expect(basedPlan.problems.isEmpty && based.status == 0, "\(basedPlan.problems)")
    }

    @Test("plexus shutdown answers, stops the plugins gracefully and the broker exits 0")
    func shutdown() throws {
        let broker = try TestBroker(topology: "plugins:\n  app:\n    command: [\(Paths.testPlugin)]\n")
        defer { broker.stop() }
        _ = try broker.waitForRunning("app")
        let result = try runPlexus(["shutdown", "--json", "--broker", broker.control])
        #expect(result.status == 0, "\(result.stderr)")
        let reply = try JSONCoding.decode(ShutdownReply.self, from: Array(result.stdout.utf8), what: "reply")
        #expect(reply.instances == 1)
        #expect(broker.process.waitForExit(timeout: 20) == 0, "\(broker.log)")
        #expect(broker.log.contains("plugin said goodbye") && broker.log.contains("broker stopped"), "\(broker.log)")
    }
}
