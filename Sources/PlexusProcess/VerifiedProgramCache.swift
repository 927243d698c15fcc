import Foundation
import PlexusIntegrity
import Synchronization

/// Verified, sealed copies of pinned native programs, kept for the launches after the first (restarts,
/// more instances), so that the broker's loop hashes a program once per version of the file rather than
/// at every launch: a plugin in a crash loop would otherwise hash its executable at every restart.
///
/// A copy is reused only while the file's identity (device, inode, size, modification and change times)
/// is the one it had when it was copied, and for the same pin. A changed file is hashed again, so a
/// tampered executable still fails at its next launch. What runs is always the sealed copy, whose bytes
/// were checked: reuse cannot run unchecked bytes.
final class VerifiedProgramCache: Sendable {
    static let shared = VerifiedProgramCache()

    /// Programs kept at most; each holds its copy (a memfd) open.
    static let capacity = 32

    private struct Key: Hashable {
        var path: String
        var sha256: String
        var signature: String?
    }

    private struct Entry {
        var copy: VerifiedCopy
        var fingerprint: FileFingerprint
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var uses: UInt64 = 0
        var hashed: UInt64 = 0
    }

    private let state = Mutex(State())

    /// How many times a program was hashed (for the tests: a reuse does not hash).
    var hashCount: UInt64 { state.withLock { $0.hashed } }

    /// A descriptor of the verified copy of `requirement`'s program, which the caller closes (a `dup` of
    /// the cached one): from the cache while the file is unchanged, else copied, hashed and checked now.
    /// Nil for a program that is a script (`#!`): checked, but launched by path (docs/SECURITY.md).
    func descriptor(for requirement: IntegrityRequirement) throws(IntegrityError) -> Int32? {
        let key = Key(path: requirement.path, sha256: requirement.pin.sha256, signature: requirement.pin.signature)
        let fingerprint = FileFingerprint(path: requirement.path)
        let cached = state.withLock { state -> Int32? in
            guard let fingerprint, var entry = state.entries[key], entry.fingerprint == fingerprint else { return nil }
            state.uses += 1
            entry.lastUse = state.uses
            state.entries[key] = entry
            return dup(entry.copy.descriptor)
        }
        if let cached, cached >= 0 { return cached }
        state.withLock { $0.hashed += 1 }
        let copy = try Self.verifiedCopy(requirement)
        if copy.isScript {
            close(copy.descriptor)
            return nil
        }
        let handed = dup(copy.descriptor)
        let kept = state.withLock { state -> Bool in
            guard let fingerprint else { return false }
            // One copy per file: a new pin or a new version of the file replaces the old copy.
            for (old, entry) in state.entries where old.path == key.path {
                close(entry.copy.descriptor)
                state.entries[old] = nil
            }
            if state.entries.count >= Self.capacity,
                let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })
            {
                close(oldest.value.copy.descriptor)
                state.entries[oldest.key] = nil
            }
            state.uses += 1
            state.entries[key] = Entry(copy: copy, fingerprint: fingerprint, lastUse: state.uses)
            return true
        }
        if !kept { close(copy.descriptor) }
        guard handed >= 0 else { throw IntegrityError("dup: \(String(cString: strerror(errno)))") }
        return handed
    }
}

extension VerifiedProgramCache {
    /// `requirement`'s file copied into a sealed memfd while hashed, and checked against its pin (and
    /// signature); the caller owns the copy's descriptor. A mismatch closes it and throws.
    static func verifiedCopy(_ requirement: IntegrityRequirement) throws(IntegrityError) -> VerifiedCopy {
        let copy = try VerifiedCopy.make(path: requirement.path)
        do throws(IntegrityError) {
            try IntegrityCheck.verify(
                copy, path: requirement.path, sha256: requirement.pin.sha256, signature: requirement.pin.signature,
                trustedKeys: requirement.trustedKeys)
        } catch {
            close(copy.descriptor)
            throw error
        }
        return copy
    }
}

/// What identifies one version of a file without reading it.
struct FileFingerprint: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: timespec
    var changed: timespec

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim
        changed = info.st_ctim
    }

    static func == (lhs: FileFingerprint, rhs: FileFingerprint) -> Bool {
        lhs.device == rhs.device && lhs.inode == rhs.inode && lhs.size == rhs.size
            && lhs.modified.tv_sec == rhs.modified.tv_sec && lhs.modified.tv_nsec == rhs.modified.tv_nsec
            && lhs.changed.tv_sec == rhs.changed.tv_sec && lhs.changed.tv_nsec == rhs.changed.tv_nsec
    }
}
