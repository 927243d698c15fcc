import Glibc
import PlexusTopology

/// How a plugin's `limits:` become rlimits (the cgroup limits are `CgroupPlacement`'s).
public enum ResourceLimitPlan {
    /// `max_open_files` → RLIMIT_NOFILE, `address_space_mb` → RLIMIT_AS.
    public static func rlimits(_ limits: ResourceLimits) -> [ResourceLimit] {
        var result: [ResourceLimit] = []
        if let files = limits.maxOpenFiles {
            result.append(ResourceLimit(resource: Int32(RLIMIT_NOFILE.rawValue), value: UInt64(files)))
        }
        if let megabytes = limits.addressSpaceMegabytes {
            result.append(ResourceLimit(resource: Int32(RLIMIT_AS.rawValue), value: UInt64(megabytes) << 20))
        }
        return result
    }
}
