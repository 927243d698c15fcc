import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing
import ZeroMQ

/// What the CLI prints for operators: its version, uptime only for running instances, and no SDK
/// probes in `subscribe` unless asked for.
@Suite("CLI output for operators (live)", .serialized)
struct CLIOutputTests {
    @Test("plexus --version prints the release")
    func version() throws {
        let result = try runPlexus(["--version"])
        #expect(result.status == 0 && result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == PlexusConstants.version)
    }

    @Test("a mistyped subcommand gets 'did you mean', with exit code 64; a word like no command gets the help hint")
    func didYouMean() throws {
        let typo = try runPlexus(["stauts"])
        #expect(typo.status == 64 && typo.stderr.contains("did you mean 'status'?"), "\(typo.stderr)")
        let other = try runPlexus(["frobnicate"])
        #expect(other.status == 64 && other.stderr.contains("plexus --help"), "\(other.stderr)")
    }

    @Test("status shows uptime for running instances only, in human units; attached is said in REASON, not RESTARTS")
    func uptimeColumn() throws {
        let broker = try TestBroker(topology: "plugins:\n  app:\n    command: [\(Paths.testPlugin)]\n")
        defer { broker.stop() }
        _ = try broker.waitForRunning("app")
        func row() throws -> [String] {
            let table = try runPlexus(["status", "--broker", broker.control]).stdout
            let line = try #require(table.split(separator: "\n").first { $0.hasPrefix("app ") })
            return line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        let running = try row()
        #expect(running[2] == "running" && running[6].hasSuffix("s"), "\(running)")
        _ = try broker.client().request(.lifecycle(.stop, plugin: "app"))
        _ = try broker.waitForInstances("app") { $0.state == .stopped }
        let stopped = try row()
        #expect(stopped[2] == "stopped" && stopped[6] == "-", "\(stopped)")
    }

    @Test("subscribe '>' hides the SDKs' plexus.sync probes unless --probes")
    func probesHidden() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let hidden = try TestProcess.plexus(
            ["subscribe", ">", "--json", "--count", "1", "--timeout", "20", "--broker", broker.control], name: "sub-hidden")
        defer { hidden.stop() }
        let shown = try TestProcess.plexus(
            ["subscribe", ">", "--json", "--count", "3", "--probes", "--timeout", "20", "--broker", broker.control],
            name: "sub-shown")
        defer { shown.stop() }
        try broker.waitForSubscriptions(2)  // each subscribes to everything
        let context = try ZMQContext()
        let publisher = try context.socket(.pub)
        defer { publisher.close() }
        try publisher.connect(broker.endpoints.eventsIn)
        // A PUB loses what it sends before it is connected: send the pair until both have printed.
        let printed = waitUntil(timeout: 15, interval: 0.05) {
            _ = try? publisher.send(multipart: [Array("plexus.sync.someone".utf8), []])
            _ = try? publisher.send(multipart: [Array("app.news".utf8), Array("x".utf8)])
            return !hidden.isRunning && !shown.isRunning
        }
        #expect(printed)
        #expect(hidden.stdout.contains("\"app.news\"") && !hidden.stdout.contains("plexus.sync"), "\(hidden.stdout)")
        // Three events of probe, news, probe, news…: at least one probe among them.
        #expect(shown.stdout.contains("plexus.sync.someone"), "\(shown.stdout)")
    }
}
