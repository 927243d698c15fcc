import CSodium

/// A SHA-256 digest computed incrementally (libsodium's `crypto_hash_sha256`).
public struct SHA256Digest: Sendable {
    private var state = crypto_hash_sha256_state()

    public init() {
        _ = Self.sodiumReady
        crypto_hash_sha256_init(&state)
    }

    /// Adds bytes to the digest.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        crypto_hash_sha256_update(&state, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    /// The 32-byte digest; the value is finished afterwards.
    public mutating func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        crypto_hash_sha256_final(&state, &digest)
        return digest
    }

    /// The digest of `bytes`.
    public static func of(_ bytes: [UInt8]) -> [UInt8] {
        var digest = SHA256Digest()
        bytes.withUnsafeBytes { digest.update($0) }
        return digest.finish()
    }

    /// Lowercase hex, the form `sha256:` takes in topology.yaml.
    public static func hex(_ digest: [UInt8]) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }

    /// `sodium_init` once per process; it is idempotent and thread-safe, this only avoids calling it per use.
    static let sodiumReady: Bool = sodium_init() >= 0
}
