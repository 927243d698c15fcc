import CSodium
import Foundation

/// ed25519 signatures over an executable's SHA-256 digest (libsodium's `crypto_sign_verify_detached`).
///
/// What is signed is the 32-byte digest, not the file: the broker hashes the file once, while copying
/// it, and the signature travels in topology.yaml next to the `sha256:` it vouches for.
public enum SignatureVerifier {
    /// Whether `signature` (64 bytes) is a valid signature of `digest` by one of `trustedKeys` (32 bytes each).
    public static func verify(signature: [UInt8], digest: [UInt8], trustedKeys: [[UInt8]]) -> Bool {
        _ = SHA256Digest.sodiumReady
        guard signature.count == Int(crypto_sign_BYTES) else { return false }
        return trustedKeys.contains { key in
            key.count == Int(crypto_sign_PUBLICKEYBYTES)
                && crypto_sign_verify_detached(signature, digest, UInt64(digest.count), key) == 0
        }
    }

    /// A new signing key pair: (public 32 bytes, secret 64 bytes).
    public static func generateKeyPair() -> (publicKey: [UInt8], secretKey: [UInt8]) {
        _ = SHA256Digest.sodiumReady
        var publicKey = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        crypto_sign_keypair(&publicKey, &secretKey)
        return (publicKey, secretKey)
    }

    /// The signature of `digest` with `secretKey` (64 bytes); nil for a key of the wrong size.
    public static func sign(digest: [UInt8], secretKey: [UInt8]) -> [UInt8]? {
        _ = SHA256Digest.sodiumReady
        guard secretKey.count == Int(crypto_sign_SECRETKEYBYTES) else { return nil }
        var signature = [UInt8](repeating: 0, count: Int(crypto_sign_BYTES))
        guard crypto_sign_detached(&signature, nil, digest, UInt64(digest.count), secretKey) == 0 else { return nil }
        return signature
    }
}
