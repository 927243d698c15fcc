import Glibc
import PlexusIntegrity
import PlexusTopology

extension Topology {
    /// Every enabled launched plugin whose pinned file does not match its `sha256:` (or `signature:`),
    /// with why: what `plexus check` reports and what the broker would refuse to launch.
    public func integrityProblems() -> [(plugin: String, problem: String)] {
        plugins.filter { $0.enabled && $0.isLaunched && $0.integrity != nil }.compactMap { spec in
            guard let pin = spec.integrity else { return nil }
            guard let path = spec.pinnedPath(baseDirectory: baseDirectory) else {
                return (spec.name, "no file to pin: the command names no program or script that exists")
            }
            do throws(IntegrityError) {
                let copy = try VerifiedCopy.make(path: path)
                defer { _ = close(copy.descriptor) }
                try IntegrityCheck.verify(
                    copy, path: path, sha256: pin.sha256, signature: pin.signature, trustedKeys: security.trustedKeys)
                return nil
            } catch {
                return (spec.name, error.description)
            }
        }
    }
}
