/// What one supervised plugin process uses, read by the broker from Linux's `/proc/PID` (docs/METRICS.md):
/// the `resources` of an `InstanceInfo` in `STATUS` and `PLUGINS` replies.
///
/// ```json
/// {"rss_bytes": 21495808, "cpu_seconds": 0.42, "open_fds": 14, "threads": 3, "sampled_at": 1764633600000000}
/// ```
public struct ResourceUsage: Codable, Sendable, Equatable {
    /// Resident memory (`/proc/PID/stat` field 24 times the page size).
    public var rssBytes: UInt64
    /// CPU time in user and kernel mode since the process started (`utime + stime` over `CLK_TCK`);
    /// its children's time is not included.
    public var cpuSeconds: Double
    /// Open file descriptors (entries of `/proc/PID/fd`).
    public var openFDs: Int
    /// Threads (`/proc/PID/stat` field 20).
    public var threads: Int
    /// When it was read: microseconds since the Unix epoch.
    public var sampledAt: Int64

    public init(rssBytes: UInt64, cpuSeconds: Double, openFDs: Int, threads: Int, sampledAt: Int64) {
        self.rssBytes = rssBytes
        self.cpuSeconds = cpuSeconds
        self.openFDs = openFDs
        self.threads = threads
        self.sampledAt = sampledAt
    }

    enum CodingKeys: String, CodingKey {
        case threads
        case rssBytes = "rss_bytes"
        case cpuSeconds = "cpu_seconds"
        case openFDs = "open_fds"
        case sampledAt = "sampled_at"
    }
}
