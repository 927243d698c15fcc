/// A plugin's `limits:` block: what its processes may use (docs/SECURITY.md, "Resource limits").
///
/// `max_open_files` and `address_space_mb` are rlimits, set between fork and exec; `memory_mb`,
/// `cpu_percent` and `max_tasks` need a cgroup (v2, or v1's memory, cpu and pids controllers). What the
/// broker cannot apply is reported per plugin by `plexus check` and in the start log, never ignored.
public struct ResourceLimits: Sendable, Equatable {
    /// Resident memory, in MiB; past it the kernel OOM-kills the process (reported as `oom`).
    public var memoryMegabytes: Int?
    /// CPU time as a percentage of one core (200 = two cores).
    public var cpuPercent: Int?
    /// RLIMIT_NOFILE: past it `open` fails with EMFILE.
    public var maxOpenFiles: Int?
    /// Processes and threads (the cgroup's pids limit): a fork bomb stops there.
    public var maxTasks: Int?
    /// RLIMIT_AS, in MiB: past it allocations fail.
    public var addressSpaceMegabytes: Int?

    public init(
        memoryMegabytes: Int? = nil, cpuPercent: Int? = nil, maxOpenFiles: Int? = nil, maxTasks: Int? = nil,
        addressSpaceMegabytes: Int? = nil
    ) {
        self.memoryMegabytes = memoryMegabytes
        self.cpuPercent = cpuPercent
        self.maxOpenFiles = maxOpenFiles
        self.maxTasks = maxTasks
        self.addressSpaceMegabytes = addressSpaceMegabytes
    }

    /// Whether no limit is set.
    public var isEmpty: Bool { self == ResourceLimits() }

    /// Whether a limit needs a cgroup (the others are rlimits).
    public var needsCgroup: Bool { memoryMegabytes != nil || cpuPercent != nil || maxTasks != nil }

    static let keys: [String: ClosedRange<Int>] = [
        "memory_mb": 4...1_048_576, "cpu_percent": 1...12_800, "max_open_files": 16...1_048_576,
        "max_tasks": 1...1_000_000, "address_space_mb": 16...16_777_216,
    ]

    /// Parses a `limits:` mapping; `fail(key, message)` makes the error for a key below it.
    static func parse(_ value: Any, fail: (String, String) -> TopologyError) throws(TopologyError) -> ResourceLimits {
        guard let map = value as? [String: Any] else { throw fail("limits", "must be a mapping") }
        var limits = ResourceLimits()
        for key in map.keys.sorted() {
            guard let range = keys[key] else {
                throw fail("limits.\(key)", "unknown key (expected one of \(keys.keys.sorted().joined(separator: ", ")))")
            }
            guard let number = map[key] as? Int, !(map[key] is Bool), range.contains(number) else {
                throw fail("limits.\(key)", "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            switch key {
            case "memory_mb": limits.memoryMegabytes = number
            case "cpu_percent": limits.cpuPercent = number
            case "max_open_files": limits.maxOpenFiles = number
            case "max_tasks": limits.maxTasks = number
            default: limits.addressSpaceMegabytes = number
            }
        }
        return limits
    }
}
