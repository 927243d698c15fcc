import Foundation

/// The decision about one pinned file: its copy matches the pin, and the signature (when one is given)
/// is by a trusted key.
public enum IntegrityCheck {
    /// Verifies `copy` against `sha256` (lowercase or uppercase hex) and, when `signature` is given, the
    /// ed25519 `signature` (base64) against `trustedKeys` (base64). Throws with what did not match.
    public static func verify(
        _ copy: VerifiedCopy, path: String, sha256: String, signature: String?, trustedKeys: [String]
    ) throws(IntegrityError) {
        guard copy.sha256 == sha256.lowercased() else {
            throw IntegrityError("\(path) has sha256 \(copy.sha256), the topology pins \(sha256.lowercased())")
        }
        guard let signature else { return }
        guard let signatureBytes = Data(base64Encoded: signature) else {
            throw IntegrityError("the signature of \(path) is not base64")
        }
        let keys = trustedKeys.compactMap { Data(base64Encoded: $0).map { [UInt8]($0) } }
        guard !keys.isEmpty else { throw IntegrityError("\(path) is signed but no trusted_keys are configured") }
        guard SignatureVerifier.verify(signature: [UInt8](signatureBytes), digest: copy.digest, trustedKeys: keys) else {
            throw IntegrityError("the signature of \(path) is not by a trusted key")
        }
    }
}
