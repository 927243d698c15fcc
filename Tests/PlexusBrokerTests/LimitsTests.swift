import Foundation
import PlexusProcess
import PlexusProtocol
import PlexusTesting
import PlexusTopology
import Testing

/// `limits:` on real processes: rlimits set between fork and exec, and cgroups (v1 here, v2 where
/// present) for memory and tasks, with an OOM kill reported as `oom` and restarted.
@Suite("Resource limits", .serialized)
struct LimitsTests {
    /// Whether this host lets the broker make memory and pids cgroups (root with the controllers).
    static let cgroupsUsable = CgroupPlacement.problems(for: ResourceLimits(memoryMegabytes: 64, maxTasks: 8)).isEmpty

    private func plainProcess(_ name: String, _ argument: String, limits: String, restart: String = "never") -> String {
        """
          \(name):
            protocol: none
            command: [\(Paths.pythonCommand), -u, \(yamlQuoted(Paths.fixture("limits_probe.py"))), \(argument)]
            start_seconds: 100ms
            restart: { policy: \(restart), initial: 100ms }
            limits: \(limits)
        """
    }

    private func logLine(_ broker: TestBroker, _ plugin: String, containing text: String, timeout: Double = 20) -> String? {
        waitFor(timeout: timeout) {
            let body = try? broker.client().request(.logs(plugin: plugin, since: 0, limit: 1000))
            let logs = body.flatMap { try? JSONCoding.decode(LogsReply.self, from: $0[0], what: "logs") }
            return logs?.lines.first { $0.line.contains(text) }?.line
        }
    }

    @Test("max_open_files is RLIMIT_NOFILE: the process gets EMFILE at the limit")
    func openFiles() throws {
        let broker = try TestBroker(topology: "plugins:\n" + plainProcess("files", "files", limits: "{max_open_files: 40}"))
        defer { broker.stop() }
        let line = try #require(logLine(broker, "files", containing: "files:"))
        // 40 descriptors, minus the three standard streams and what the interpreter holds open.
        #expect(line.contains("then errno 24"), "\(line)")
        let opened = Int(line.split(separator: " ")[1]) ?? 0
        #expect(opened > 20 && opened < 40, "\(line)")
    }

    @Test(
        "memory_mb: over its limit the process is OOM-killed, reported as 'oom' and restarted",
        .enabled(if: cgroupsUsable, "needs root and the memory and pids cgroup controllers"))
    func memory() throws {
        let broker = try TestBroker(
            topology: "plugins:\n" + plainProcess("hog", "memory", limits: "{memory_mb: 64}", restart: "always"))
        defer { broker.stop() }
        let restarted = try broker.waitForInstances("hog", timeout: 40) { ($0.restarts ?? 0) >= 1 && $0.lastExit == "oom" }
        #expect(restarted.first?.lastExit == "oom")
        let audited = try broker.client().request(.audit(AuditQuery(action: "oom")), as: [AuditRecord].self)
        #expect(audited.first?.actor == .broker && audited.first?.target.hasPrefix("hog-") == true)
        #expect(logLine(broker, "hog", containing: "no limit reached", timeout: 0.1) == nil)
    }

    @Test(
        "max_tasks: a process that forks past its limit is contained (fork fails with EAGAIN)",
        .enabled(if: cgroupsUsable, "needs root and the memory and pids cgroup controllers"))
    func tasks() throws {
        let broker = try TestBroker(topology: "plugins:\n" + plainProcess("forker", "tasks", limits: "{max_tasks: 8}"))
        defer { broker.stop() }
        let line = try #require(logLine(broker, "forker", containing: "tasks:"))
        #expect(line.contains("then errno 11"), "\(line)")
        let started = Int(line.split(separator: " ")[1]) ?? 99
        #expect(started < 8, "\(line)")
    }

    @Test("limits the host cannot apply are named per plugin, not ignored")
    func unavailable() throws {
        let root = try TestDirectory.make()
        defer { TestDirectory.remove(root) }
        let problems = CgroupPlacement.problems(for: ResourceLimits(memoryMegabytes: 64, cpuPercent: 50), root: root.path)
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.contains("no") && $0.contains("cgroup controller") })
        #expect(CgroupPlacement.problems(for: ResourceLimits(maxOpenFiles: 64), root: root.path).isEmpty)
    }
}
