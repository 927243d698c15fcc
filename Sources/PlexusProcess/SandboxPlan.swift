import CSpawn
import Foundation
import PlexusTopology

/// How a plugin's `sandbox:` becomes a `SandboxRequest`, and whether this host can enforce it.
///
/// The filesystem rules are the topology's `read_only_paths` and `writable_paths` plus what every
/// program needs and the broker always adds (`defaultReadOnlyPaths`, `defaultWritablePaths`, the
/// program file and its installation prefix, the libraries' directories its ELF `RUNPATH` names, the
/// interpreter's script, the working directory, the broker's `ipc://` directory, and the process's
/// own `/proc/self`, which the child adds itself). Everything else is denied.
public enum SandboxPlan {
    /// Read and execute for every sandboxed process: the system's programs and libraries, the few
    /// files of /etc that the C library and language runtimes read (not all of /etc: it holds
    /// secrets such as /etc/shadow, which a plugin running as root could read), and the CPU list
    /// that runtimes size their thread pools by. Those this host does not have are skipped.
    public static let defaultReadOnlyPaths = [
        "/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin",
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone",
        "/etc/hosts", "/etc/host.conf", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/gai.conf",
        "/etc/passwd", "/etc/group", "/etc/ssl", "/etc/ca-certificates", "/etc/mime.types",
        "/dev/urandom", "/dev/random", "/dev/zero", "/sys/devices/system/cpu",
    ]
    /// Writable for every sandboxed process: the null device, which programs write to.
    public static let defaultWritablePaths = ["/dev/null"]

    /// The request for one launch of a plugin with `sandbox`.
    ///
    /// - Parameters:
    ///   - program: the executable the launch runs (resolved on `PATH`), when known.
    ///   - script: an interpreter's script (`python3 plugin.py`), when there is one.
    ///   - workingDirectory: the plugin's working directory (readable, not writable unless listed).
    ///   - ipcDirectory: the broker's `ipc://` socket directory.
    public static func request(
        _ sandbox: SandboxSpec, program: String?, script: String?, workingDirectory: String, ipcDirectory: String?
    ) -> SandboxRequest {
        var rules: [SandboxRule] = []
        func add(_ path: String, _ access: SandboxRule.Access, required: Bool, _ origin: String) {
            guard !rules.contains(where: { $0.path == path && $0.access == access }) else { return }
            rules.append(SandboxRule(path: path, access: access, required: required, origin: origin))
        }
        for path in defaultReadOnlyPaths { add(path, .readOnly, required: false, "default") }
        for path in defaultWritablePaths { add(path, .writable, required: false, "default") }
        if let program {
            for path in programPaths(program) { add(path, .readOnly, required: false, "program") }
        }
        if let script { add(script, .readOnly, required: false, "script") }
        // Never "/": a working directory at the root would open the whole filesystem.
        if workingDirectory != "/" { add(workingDirectory, .readOnly, required: false, "cwd") }
        if let ipcDirectory { add(ipcDirectory, .readOnly, required: false, "ipc") }
        for path in sandbox.readOnlyPaths { add(path, .readOnly, required: true, "read_only_paths") }
        for path in sandbox.writablePaths { add(path, .writable, required: true, "writable_paths") }
        return SandboxRequest(network: sandbox.network, rules: rules)
    }

    /// The program, the file its symbolic links lead to, the installation prefix of each (the parent
    /// of a `bin` directory: a pyenv or venv Python needs its `lib`), and the directories its ELF
    /// `RUNPATH` names (a Swift program's runtime under /opt/swift).
    static func programPaths(_ program: String) -> [String] {
        var paths = [program]
        let resolved = URL(fileURLWithPath: program).resolvingSymlinksInPath().path
        if resolved != program { paths.append(resolved) }
        for path in [program, resolved] {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            if directory.lastPathComponent == "bin" { paths.append(directory.deletingLastPathComponent().path) }
        }
        paths += ELFRunPath.directories(of: resolved)
        var seen: Set<String> = []
        return paths.filter { seen.insert($0).inserted && $0 != "/" }
    }

    /// What this host cannot enforce of `sandbox`, and the paths it names that do not exist: one
    /// sentence per problem, for `plexus check` and the start log. The broker refuses to launch a
    /// plugin whose sandbox has a problem.
    public static func problems(for sandbox: SandboxSpec) -> [String] {
        var problems: [String] = []
        for (key, paths) in [("read_only_paths", sandbox.readOnlyPaths), ("writable_paths", sandbox.writablePaths)] {
            for path in paths where !FileManager.default.fileExists(atPath: path) {
                problems.append("sandbox.\(key): \(path) does not exist")
            }
        }
        if plexus_landlock_abi() < 1 {
            problems.append("sandbox: Landlock is not available on this kernel (or disabled at boot with lsm=)")
        }
        if !sandbox.network, networkNamespaceMode() == nil {
            problems.append(
                "sandbox.network: cannot make a network namespace: the broker is not root and user namespaces are disabled")
        }
        return problems
    }

    /// How the child leaves the host's network: a plain network namespace as root, one inside a user
    /// namespace otherwise (where the host allows unprivileged user namespaces); nil when neither.
    static func networkNamespaceMode() -> Int32? {
        if geteuid() == 0 { return Int32(PLEXUS_NETWORK_NAMESPACE) }
        let limit = (try? String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        // Debian's knob; absent on kernels without the patch.
        let debian = (try? String(contentsOfFile: "/proc/sys/kernel/unprivileged_userns_clone", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if limit == 0 || debian == 0 { return nil }
        return Int32(PLEXUS_NETWORK_USER_NAMESPACE)
    }
}
