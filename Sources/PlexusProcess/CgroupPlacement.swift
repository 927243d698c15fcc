import Foundation
import PlexusTopology

/// The cgroup of one plugin process: created before the launch with the plugin's `memory_mb`,
/// `cpu_percent` and `max_tasks` written into it, joined by the child between fork and exec, read at
/// its exit to tell an OOM kill from any other SIGKILL, and removed afterwards.
///
/// cgroup v2 where the unified hierarchy has the controllers (`memory.max`, `cpu.max`, `pids.max`),
/// else v1's separate hierarchies (`memory.limit_in_bytes`, `cpu.cfs_quota_us`, `pids.max`), which is
/// what this VM has. Everything lives under a `plexus/` group of the hierarchy's root.
public struct CgroupPlacement: Sendable, Equatable {
    /// The directories made for this process, one per hierarchy that holds one of its limits.
    public let directories: [String]
    /// The `cgroup.procs` files the child writes its pid into.
    public var procsPaths: [String] { directories.map { $0 + "/cgroup.procs" } }
    let memoryDirectory: String?
    let version: CgroupVersion

    /// The root of the cgroup file system (a test may point elsewhere).
    public static let defaultRoot = "/sys/fs/cgroup"

    /// What this host offers, and what `limits` would need that it does not: one sentence per missing
    /// piece, for `plexus check` and the start log.
    public static func problems(for limits: ResourceLimits, root: String = defaultRoot) -> [String] {
        guard limits.needsCgroup else { return [] }
        let version = CgroupVersion.detect(root: root)
        var missing: [String] = []
        for (key, controller, wanted) in [
            ("memory_mb", "memory", limits.memoryMegabytes != nil), ("cpu_percent", "cpu", limits.cpuPercent != nil),
            ("max_tasks", "pids", limits.maxTasks != nil),
        ] where wanted {
            guard let directory = version.controllerRoot(controller, root: root) else {
                missing.append("limits.\(key): no \(controller) cgroup controller on this host")
                continue
            }
            if access(directory, W_OK) != 0 {
                missing.append("limits.\(key): cannot write \(directory) (the broker needs root, or a delegated cgroup)")
            }
        }
        return missing
    }

    /// Makes the cgroups for `name` (an instance id and a launch number) with `limits` written in;
    /// nil when no limit needs one. Throws what could not be made or written: the launch then fails
    /// rather than running unlimited.
    public static func make(name: String, limits: ResourceLimits, root: String = defaultRoot) throws(CgroupError)
        -> CgroupPlacement?
    {
        guard limits.needsCgroup else { return nil }
        let version = CgroupVersion.detect(root: root)
        var settings: [(controller: String, file: String, value: String)] = []
        if let megabytes = limits.memoryMegabytes {
            let bytes = String(UInt64(megabytes) << 20)
            if version == .v2 {
                settings += [("memory", "memory.max", bytes), ("memory", "memory.swap.max", "0")]
            } else {
                settings.append(("memory", "memory.limit_in_bytes", bytes))
            }
        }
        if let percent = limits.cpuPercent {
            let quota = String(percent * 1_000)
            if version == .v2 {
                settings.append(("cpu", "cpu.max", "\(quota) 100000"))
            } else {
                settings += [("cpu", "cpu.cfs_period_us", "100000"), ("cpu", "cpu.cfs_quota_us", quota)]
            }
        }
        if let tasks = limits.maxTasks { settings.append(("pids", "pids.max", String(tasks))) }

        var directories: [String: String] = [:]
        for setting in settings where directories[setting.controller] == nil {
            guard let base = version.controllerRoot(setting.controller, root: root) else {
                throw CgroupError("no \(setting.controller) cgroup controller on this host")
            }
            let parent = base + "/plexus"
            let directory = parent + "/" + name
            if version == .v2 { try enableControllers(in: base, parent: parent) }
            try makeDirectory(parent)
            try makeDirectory(directory)
            directories[setting.controller] = directory
        }
        for setting in settings {
            let path = directories[setting.controller]! + "/" + setting.file
            // memory.swap.max is absent without swap accounting: then there is no swap to limit.
            if setting.file == "memory.swap.max", !FileManager.default.fileExists(atPath: path) { continue }
            try write(setting.value, to: path)
        }
        let unique = Array(Set(directories.values)).sorted()
        return CgroupPlacement(directories: unique, memoryDirectory: directories["memory"], version: version)
    }

    /// Whether the kernel OOM-killed a process of this cgroup (its `oom_kill` counter moved).
    public func oomKilled() -> Bool {
        guard let memoryDirectory else { return false }
        let file = version == .v2 ? "memory.events" : "memory.oom_control"
        guard let text = try? String(contentsOfFile: memoryDirectory + "/" + file, encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "oom_kill", let count = Int(parts[1]) { return count > 0 }
        }
        return false
    }

    /// Removes the cgroups (once the process and its children are gone; a leftover is harmless).
    public func remove() {
        for directory in directories { rmdir(directory) }
    }

    private static func makeDirectory(_ path: String) throws(CgroupError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw CgroupError("cannot make \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func write(_ value: String, to path: String) throws(CgroupError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CgroupError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = value.withCString { Foundation.write(descriptor, $0, strlen($0)) }
        guard written >= 0 else { throw CgroupError("cannot write \(value) to \(path): \(String(cString: strerror(errno)))") }
    }

    /// v2: a child group gets a controller only when its parent lists it in `cgroup.subtree_control`.
    private static func enableControllers(in base: String, parent: String) throws(CgroupError) {
        try makeDirectory(parent)
        for directory in [base, parent] {
            try write("+memory +cpu +pids", to: directory + "/cgroup.subtree_control")
        }
    }
}

/// Which cgroup layout a host has.
enum CgroupVersion: Sendable, Equatable {
    case v1, v2, none

    static func detect(root: String) -> CgroupVersion {
        let manager = FileManager.default
        if let controllers = try? String(contentsOfFile: root + "/cgroup.controllers", encoding: .utf8),
            controllers.split(separator: " ").contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "memory" })
        {
            return .v2
        }
        if manager.fileExists(atPath: root + "/memory/memory.limit_in_bytes") || manager.fileExists(atPath: root + "/pids") {
            return .v1
        }
        return .none
    }

    /// Where `controller`'s groups are made: the unified root (v2) or the controller's hierarchy (v1).
    func controllerRoot(_ controller: String, root: String) -> String? {
        switch self {
        case .v2:
            guard let text = try? String(contentsOfFile: root + "/cgroup.controllers", encoding: .utf8),
                text.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains(Substring(controller))
            else { return nil }
            return root
        case .v1:
            let directory = root + "/" + controller
            return FileManager.default.fileExists(atPath: directory + "/cgroup.procs") ? directory : nil
        case .none:
            return nil
        }
    }
}

/// Why a cgroup could not be made or written.
public struct CgroupError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
