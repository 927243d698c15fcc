import CSpawn
import Foundation

/// A file copied into a sealed memfd while it was hashed: the bytes the digest describes are the bytes
/// that run, whatever happens to the file afterwards (docs/SECURITY.md, "Executable integrity").
public struct VerifiedCopy: Sendable {
    /// The sealed memfd (close-on-exec). The owner closes it.
    public let descriptor: Int32
    /// The SHA-256 of the copy, in lowercase hex.
    public let sha256: String
    /// The raw digest.
    public let digest: [UInt8]
    /// Whether the file starts with `#!`: such a file cannot run from a close-on-exec descriptor, so it
    /// is launched by path after the check (the window that remains is documented).
    public let isScript: Bool

    /// Copies `path` into a new memfd, hashing on the way; refuses files over `maxBytes`.
    public static func make(path: String, maxBytes: Int = 1 << 30) throws(IntegrityError) -> VerifiedCopy {
        let source = open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw IntegrityError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(source) }
        let copy = plexus_memfd_create("plexus-pinned")
        guard copy >= 0 else { throw IntegrityError("memfd_create: \(String(cString: strerror(errno)))") }
        var digest = SHA256Digest()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        var head: [UInt8] = []
        while true {
            let got = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                close(copy)
                throw IntegrityError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            total += got
            guard total <= maxBytes else {
                close(copy)
                throw IntegrityError("\(path) is larger than \(maxBytes) bytes")
            }
            if head.count < 2 { head += buffer.prefix(min(got, 2 - head.count)) }
            let ok = buffer.withUnsafeBytes { bytes -> Bool in
                let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<got])
                digest.update(chunk)
                var offset = 0
                while offset < got {
                    let wrote = write(copy, chunk.baseAddress! + offset, got - offset)
                    if wrote < 0 && errno == EINTR { continue }
                    guard wrote > 0 else { return false }
                    offset += wrote
                }
                return true
            }
            guard ok else {
                close(copy)
                throw IntegrityError("cannot copy \(path): \(String(cString: strerror(errno)))")
            }
        }
        guard plexus_memfd_seal(copy) == 0 else {
            close(copy)
            throw IntegrityError("cannot seal the copy of \(path): \(String(cString: strerror(errno)))")
        }
        let raw = digest.finish()
        return VerifiedCopy(descriptor: copy, sha256: SHA256Digest.hex(raw), digest: raw, isScript: head == [0x23, 0x21])
    }

    /// The SHA-256 of `path` in hex, without keeping a copy (`plexus pin`, `plexus check`).
    public static func sha256(of path: String) throws(IntegrityError) -> String {
        let copy = try make(path: path)
        close(copy.descriptor)
        return copy.sha256
    }
}

/// Why a pinned or signed file may not run.
public struct IntegrityError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
