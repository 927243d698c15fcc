import CSpawn
import Glibc

/// A sandbox made ready in the broker for one fork: the Landlock ruleset (built here, since it is
/// only descriptors; the child adds its /proc/self and enforces it) and how the child leaves the
/// network.
struct SandboxDescriptors {
    /// The ruleset's descriptor, -1 for none; the caller closes it after the fork.
    var ruleset: Int32
    var abi: Int32
    /// A `PLEXUS_NETWORK_*` value.
    var network: Int32

    /// Builds the ruleset of `request`. Throws `sandbox: …` when the host cannot enforce it or a path
    /// the topology named does not exist: the launch then fails instead of running unconfined.
    static func make(_ request: SandboxRequest) throws(ProcessLauncher.LaunchError) -> SandboxDescriptors {
        let abi = plexus_landlock_abi()
        guard abi >= 1 else {
            throw ProcessLauncher.LaunchError(description: "sandbox: Landlock is not available on this kernel")
        }
        var network = Int32(PLEXUS_NETWORK_KEEP)
        if !request.network {
            guard let mode = SandboxPlan.networkNamespaceMode() else {
                throw ProcessLauncher.LaunchError(
                    description: "sandbox.network: cannot make a network namespace: not root and user namespaces are disabled")
            }
            network = mode
        }
        let ruleset = plexus_landlock_ruleset(abi)
        guard ruleset >= 0 else {
            throw ProcessLauncher.LaunchError(
                description: "sandbox: cannot make a Landlock ruleset: \(String(cString: strerror(errno)))")
        }
        for rule in request.rules {
            guard plexus_landlock_allow(ruleset, rule.path, rule.access == .writable ? 1 : 0, abi) != 0 else { continue }
            let code = errno
            if code == ENOENT, !rule.required { continue }
            close(ruleset)
            throw ProcessLauncher.LaunchError(
                description: "sandbox.\(rule.origin): cannot allow \(rule.path): \(String(cString: strerror(code)))")
        }
        return SandboxDescriptors(ruleset: ruleset, abi: abi, network: network)
    }
}
