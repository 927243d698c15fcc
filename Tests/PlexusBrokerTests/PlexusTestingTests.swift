import Foundation
import PlexusProtocol
import PlexusTesting
import Testing

@Suite("PlexusTesting's own behaviour: deadlines, errors, clean-up", .serialized)
struct PlexusTestingTests {
    @Test("a thread is joined with a deadline")
    func joinableThread() {
        let slow = JoinableThread(name: "slow") { Thread.sleep(forTimeInterval: 0.3) }
        #expect(!slow.join(timeout: 0.05) && !slow.isFinished)
        #expect(slow.join(timeout: 5) && slow.isFinished)
        #expect(slow.join(timeout: 0))  // again: still finished
    }

    @Test("a process: exit status by its end, not by polling; a command past its deadline is killed and throws")
    func processes() throws {
        let quick = try TestProcess("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], name: "quick")
        #expect(quick.waitForExit(timeout: 5) == 3 && quick.terminationStatus == 3)
        #expect(quick.stdoutLines == ["out"] && quick.stderr == "err\n")
        let started = Date()
        #expect(throws: PlexusTestingError.self) { _ = try TestProcess.run("/bin/sleep", ["30"], timeout: 0.3) }
        #expect(Date().timeIntervalSince(started) < 5)
        var directory: URL?
        do {
            let sleeper = try TestProcess("/bin/sleep", ["30"], name: "sleeper")
            directory = sleeper.stdoutURL.deletingLastPathComponent()
            #expect(sleeper.terminationStatus == nil && sleeper.isRunning)
            sleeper.stop(grace: 1)
            #expect(TestProcess.isGone(sleeper.pid))
        }
        // Its own temporary directory went with it.
        #expect(directory.map { !FileManager.default.fileExists(atPath: $0.path) } == true)
    }

    @Test("a broker that cannot start fails at once with its error; a wait past its deadline says what it saw")
    func brokerErrors() throws {
        let started = Date()
        do {
            _ = try TestBroker(topology: "plugins: [not, a, map]\n")
            Issue.record("a broker with a bad topology started")
        } catch let error as PlexusTestingError {
            #expect(error.code == .notReady && error.message.contains("the broker exited"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 10)

        let broker = try TestBroker()
        defer { broker.stop() }
        do {
            try broker.waitForPlugin("nobody", timeout: 0.3)
            Issue.record("found a plugin that does not exist")
        } catch let error as PlexusTestingError {
            #expect(error.code == .timeout && error.message.contains("nobody running not seen"), "\(error)")
        }
        #expect(throws: PlexusTestingError.self) { try broker.waitForEvent(topic: "plexus.plugin.running", timeout: 0.3) }
    }

    @Test("lifecycle events are watched from the start; launched plugins stop with the broker, by PID")
    func lifecycle() throws {
        let broker = try TestBroker()
        let greeter = try broker.launchPlugin(PlexusBinaries.path("greeter"), name: "greeter")
        let running = try broker.waitForPluginEvent("plexus.plugin.running", plugin: "greeter")
        #expect(running.pid == greeter.pid)
        #expect(try broker.call("greeter.hello", text: "ada") == "Welcome, ada!")
        let directory = broker.directory
        broker.stop()
        #expect(TestProcess.isGone(greeter.pid) && TestProcess.isGone(broker.process.pid))
        #expect(FileManager.default.fileExists(atPath: directory.path))  // until the broker value goes away
    }
}
