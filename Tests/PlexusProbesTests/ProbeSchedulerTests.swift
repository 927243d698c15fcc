import Foundation
import PlexusProtocol
import PlexusTopology
import Synchronization
import Testing

@testable import PlexusProbes

@Suite("Probe scheduler")
struct ProbeSchedulerTests {
    /// What `onChange` reported, in order, with when (ms since the recorder was made).
    final class Reports: Sendable {
        private let list = Mutex<[(instance: String, status: HealthStatus, message: String, at: Int64)]>([])
        private let start = Clock.now()

        func record(_ instance: String, _ check: HealthCheck) {
            let at = Clock.now() - start
            list.withLock { $0.append((instance, check.status, check.message, at)) }
        }

        var statuses: [HealthStatus] { list.withLock { $0.map(\.status) } }
        var first: (instance: String, status: HealthStatus, message: String, at: Int64)? { list.withLock { $0.first } }

        /// Waits until `count` reports came, at most `seconds`; whether they did.
        func wait(for count: Int, seconds: Double = 5) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if list.withLock({ $0.count }) >= count { return true }
                usleep(10_000)
            }
            return false
        }
    }

    /// A flag file: the probe `test -e FILE` fails until it exists.
    private func flag() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "probe-flag-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
    }

    private func probe(_ file: String, interval: Int64 = 30, failureThreshold: Int = 2, grace: Int64 = 0) -> ProbeSpec {
        ProbeSpec(
            check: .exec(["/bin/sh", "-c", "test -e '\(file)' || { echo 'no flag'; exit 1; }"]), intervalMilliseconds: interval,
            timeoutMilliseconds: 1000, failureThreshold: failureThreshold, successThreshold: 1, startupGraceMilliseconds: grace)
    }

    @Test("a probe that turns critical and then passes reports both changes")
    func criticalThenPassing() throws {
        let reports = Reports()
        let scheduler = ProbeScheduler { reports.record($0, $1) }
        defer { scheduler.stop() }
        let file = flag()
        defer { try? FileManager.default.removeItem(atPath: file) }
        scheduler.schedule(instance: "db-1", probe: probe(file), workingDirectory: nil, environment: [:])
        #expect(reports.wait(for: 1))
        #expect(reports.first?.instance == "db-1")
        #expect(reports.first?.message == "exit 1: no flag")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        #expect(reports.wait(for: 2))
        #expect(reports.statuses == [.critical, .passing])
    }

    @Test("cancel stops the reports")
    func cancelStops() throws {
        let reports = Reports()
        let scheduler = ProbeScheduler { reports.record($0, $1) }
        defer { scheduler.stop() }
        let file = flag()
        defer { try? FileManager.default.removeItem(atPath: file) }
        scheduler.schedule(instance: "db-1", probe: probe(file, failureThreshold: 1), workingDirectory: nil, environment: [:])
        #expect(reports.wait(for: 1))
        scheduler.cancel(instance: "db-1")
        // Were it still probed, this would turn it passing within an interval or two.
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        #expect(!reports.wait(for: 2, seconds: 0.4))
        #expect(reports.statuses == [.critical])
    }

    @Test("failures during the startup grace are ignored")
    func startupGrace() throws {
        let reports = Reports()
        let scheduler = ProbeScheduler { reports.record($0, $1) }
        defer { scheduler.stop() }
        let file = flag()
        scheduler.schedule(
            instance: "db-1", probe: probe(file, failureThreshold: 1, grace: 500), workingDirectory: nil, environment: [:])
        // Probed every 30 ms and failing, yet nothing counts for 500 ms.
        #expect(!reports.wait(for: 1, seconds: 0.3))
        #expect(reports.wait(for: 1))
        let first = try #require(reports.first)
        #expect(first.status == .critical)
        #expect(first.at >= 500)
    }

    @Test("stop ends the thread and is idempotent; probes of several instances are reported by name")
    func severalAndStop() throws {
        let reports = Reports()
        let scheduler = ProbeScheduler { reports.record($0, $1) }
        let file = flag()
        scheduler.schedule(instance: "a-1", probe: probe(file, failureThreshold: 1), workingDirectory: nil, environment: [:])
        scheduler.schedule(
            instance: "b-1", probe: ProbeSpec(check: .exec(["/bin/true"]), intervalMilliseconds: 30), workingDirectory: nil,
            environment: [:])
        #expect(reports.wait(for: 2))
        let start = Date()
        scheduler.stop()
        scheduler.stop()
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(!reports.wait(for: 3, seconds: 0.2))
        #expect(Set(reports.statuses) == [.critical, .passing])
    }
}
