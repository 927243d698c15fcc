import Foundation
import PlexusProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// Reads what a process uses from Linux's `/proc/PID` (docs/METRICS.md): `stat` for CPU time, threads and
/// resident memory, the entries of `fd` for open files. Three small reads and one directory listing per
/// process, a few tens of microseconds: the broker samples its plugins on a thread of its own.
public enum ProcessResources {
    /// The process's use now, or nil when `/proc/PID` cannot be read (the process is gone, or this is
    /// not Linux).
    public static func read(pid: Int32, now: Int64) -> ResourceUsage? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            var usage = parse(stat: stat, clockTicksPerSecond: clockTicks, pageSize: pageSize, now: now)
        else { return nil }
        usage.openFDs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
        return usage
    }

    /// Parses `/proc/PID/stat` (proc(5)): fields after the command name, which is in parentheses and may
    /// itself hold spaces and parentheses, so the fields start after the *last* `)`. `openFDs` is 0.
    public static func parse(stat: String, clockTicksPerSecond: Int, pageSize: Int, now: Int64) -> ResourceUsage? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // Field 3 (state) is the first after the name: field N is at index N - 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        func field(_ number: Int) -> UInt64? {
            let index = number - 3
            return index < fields.count ? UInt64(fields[index]) : nil
        }
        guard let utime = field(14), let stime = field(15), let threads = field(20), let rss = field(24),
            clockTicksPerSecond > 0
        else { return nil }
        return ResourceUsage(
            rssBytes: rss * UInt64(max(0, pageSize)), cpuSeconds: Double(utime + stime) / Double(clockTicksPerSecond),
            openFDs: 0, threads: Int(threads), sampledAt: now)
    }

    /// `sysconf(_SC_CLK_TCK)`: the unit of `utime` and `stime` (100 on Linux).
    static let clockTicks: Int = {
        #if canImport(Glibc)
            let ticks = sysconf(Int32(_SC_CLK_TCK))
            return ticks > 0 ? ticks : 100
        #else
            return 100
        #endif
    }()

    /// `sysconf(_SC_PAGESIZE)`: the unit of `rss`.
    static let pageSize: Int = {
        #if canImport(Glibc)
            let size = sysconf(Int32(_SC_PAGESIZE))
            return size > 0 ? size : 4096
        #else
            return 4096
        #endif
    }()
}
