import Foundation

/// The top-level `security:` block (docs/SECURITY.md). So far: the ed25519 keys that may sign plugin
/// executables.
public struct SecuritySection: Sendable, Equatable {
    /// base64 ed25519 public keys (32 bytes each).
    public var trustedKeys: [String] = []

    public init(trustedKeys: [String] = []) {
        self.trustedKeys = trustedKeys
    }

    static let keys: Set<String> = ["trusted_keys"]

    static func parse(_ value: Any, fail: (String, String) -> TopologyError) throws(TopologyError) -> SecuritySection {
        guard let map = value as? [String: Any] else { throw fail("security", "must be a mapping") }
        for key in map.keys.sorted() where !keys.contains(key) {
            throw fail("security.\(key)", "unknown key (expected one of \(keys.sorted().joined(separator: ", ")))")
        }
        var section = SecuritySection()
        if let raw = map["trusted_keys"] {
            guard let list = raw as? [Any] else { throw fail("security.trusted_keys", "must be a list of base64 keys") }
            for (index, item) in list.enumerated() {
                guard let text = item as? String, let bytes = Data(base64Encoded: text), bytes.count == 32 else {
                    throw fail("security.trusted_keys[\(index)]", "must be the base64 of a 32-byte ed25519 public key")
                }
                section.trustedKeys.append(text)
            }
        }
        return section
    }
}
