import Foundation
import PlexusProcess
import PlexusProtocol
import Testing

@Suite("Resource use read from /proc", .serialized)
struct ProcessResourcesTests {
    @Test("stat: fields after the last parenthesis, so a command name with spaces and ')' parses")
    func parseStat() throws {
        // Fields 3… of proc(5); utime 250 and stime 50 ticks, 7 threads, 1,000 resident pages.
        let stat =
            "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 7 0 12345 99999999 1000 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
        let usage = try #require(ProcessResources.parse(stat: stat, clockTicksPerSecond: 100, pageSize: 4096, now: 9))
        #expect(usage == ResourceUsage(rssBytes: 4_096_000, cpuSeconds: 3, openFDs: 0, threads: 7, sampledAt: 9))
        #expect(ProcessResources.parse(stat: "4242 (truncated) S 1 2", clockTicksPerSecond: 100, pageSize: 4096, now: 0) == nil)
        #expect(ProcessResources.parse(stat: "", clockTicksPerSecond: 100, pageSize: 4096, now: 0) == nil)
    }

    @Test("this test process: resident memory, threads, open files; a few tens of µs per read")
    func ownProcess() throws {
        let pid = ProcessInfo.processInfo.processIdentifier
        let usage = try #require(ProcessResources.read(pid: pid, now: 1))
        #expect(usage.rssBytes > 1_000_000 && usage.threads >= 1 && usage.openFDs >= 3 && usage.cpuSeconds >= 0)
        let start = Date()
        for _ in 0..<200 { _ = ProcessResources.read(pid: pid, now: 0) }
        let perRead = Date().timeIntervalSince(start) / 200
        print("ProcessResources.read: \(String(format: "%.1f", perRead * 1_000_000)) µs per read (\(usage.openFDs) fds)")
        // A bound for a loaded machine; the figure printed above is what to look at.
        #expect(perRead < 0.05)
    }

    @Test("a child process: read while it runs, nil once it is gone")
    func childProcess() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Busy for a moment so that it has CPU time, then waits to be stopped.
        child.arguments = ["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 30"]
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        let pid = child.processIdentifier
        // Read once the child runs the shell (right after the spawn it may not have exec'd yet).
        let deadline = Date().addingTimeInterval(10)
        var usage = ProcessResources.read(pid: pid, now: 0)
        func command() -> String { (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "" }
        while Date() < deadline, !(["sh\n", "sleep\n"].contains(command()) && (usage?.rssBytes ?? 0) > 0) {
            Thread.sleep(forTimeInterval: 0.01)
            usage = ProcessResources.read(pid: pid, now: 0)
        }
        let running = try #require(usage)
        #expect(running.rssBytes > 0 && running.threads >= 1 && running.openFDs >= 1, "\(running)")
        kill(pid, SIGKILL)
        child.waitUntilExit()
        #expect(ProcessResources.read(pid: pid, now: 0) == nil)
        #expect(ProcessResources.read(pid: -1, now: 0) == nil)
    }
}
