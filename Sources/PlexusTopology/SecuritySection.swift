import Foundation
import PlexusProtocol

/// The top-level `security:` block (docs/SECURITY.md): the ed25519 keys that may sign plugin
/// executables, and CurveZMQ authentication of every peer of the broker.
public struct SecuritySection: Sendable, Equatable {
    /// base64 ed25519 public keys (32 bytes each).
    public var trustedKeys: [String] = []
    /// `curve: true`: the broker's sockets are CURVE servers and only known keys may connect.
    public var curve = false
    /// The broker's secret key file (from `plexus keygen broker`), absolute. Read by the broker at start,
    /// so the secret never sits in the parsed topology.
    public var secretKeyFile: String?
    /// `clients:` name → Z85 public key: CLIs, dashboards, scripts that may connect under that name.
    public var clients: [String: String] = [:]
    /// `default_permissions:`: what a plugin or client without a `permissions:` block of its own may do.
    /// Without it, such an identity may do nothing (deny by default).
    public var defaultPermissions: Permissions?
    /// The `permissions:` of `clients:` entries that have one, by client name.
    public var clientPermissions: [String: Permissions] = [:]
    /// `allow_anonymous:`. Only `false` is accepted so far: every peer needs a known key.
    public var allowAnonymous = false

    public init(trustedKeys: [String] = []) {
        self.trustedKeys = trustedKeys
    }

    static let keys: Set<String> = [
        "trusted_keys", "curve", "secret_key_file", "clients", "allow_anonymous", "default_permissions",
    ]

    static func parse(
        _ value: Any, baseDirectory: String = FileManager.default.currentDirectoryPath,
        fail: (String, String) -> TopologyError
    ) throws(TopologyError) -> SecuritySection {
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
        if let raw = map["curve"] {
            guard let on = raw as? Bool else { throw fail("security.curve", "must be true or false") }
            section.curve = on
        }
        if let raw = map["allow_anonymous"] {
            guard let on = raw as? Bool else { throw fail("security.allow_anonymous", "must be true or false") }
            // Anonymous access under CURVE would need a second, unauthenticated port: not built.
            guard !on else { throw fail("security.allow_anonymous", "only false is supported: every peer needs a known key") }
            section.allowAnonymous = on
        }
        if let raw = map["secret_key_file"] {
            guard let path = raw as? String, !path.isEmpty else { throw fail("security.secret_key_file", "must be a file path") }
            section.secretKeyFile = CurveKeyText.resolve(path, baseDirectory: baseDirectory)
        }
        if let raw = map["clients"] {
            guard let clients = raw as? [String: Any] else {
                throw fail("security.clients", "must be a mapping of client name to {public_key | public_key_file}")
            }
            for name in clients.keys.sorted() {
                let path = "security.clients.\(name)"
                if let problem = Identifier.validationError(name, what: "client name") { throw fail(path, problem) }
                guard let entry = clients[name] as? [String: Any] else {
                    throw fail(path, "must be a mapping with public_key or public_key_file")
                }
                for key in entry.keys.sorted() where !["public_key", "public_key_file", "permissions"].contains(key) {
                    throw fail("\(path).\(key)", "unknown key (expected public_key, public_key_file or permissions)")
                }
                if let raw = entry["permissions"] {
                    section.clientPermissions[name] = try PermissionsParser.parse(
                        raw, path: "permissions", fail: { key, message in fail("\(path).\(key)", message) })
                }
                guard
                    let key = try CurveKeyText.parsePublicKey(
                        entry, path: "\(path).", baseDirectory: baseDirectory, fail: fail)
                else { throw fail(path, "needs public_key or public_key_file") }
                section.clients[name] = key
            }
        }
        if let raw = map["default_permissions"] {
            section.defaultPermissions = try PermissionsParser.parse(
                raw, path: "default_permissions", fail: { key, message in fail("security.\(key)", message) })
        }
        if section.curve, section.secretKeyFile == nil {
            throw fail("security.secret_key_file", "curve: true needs the broker's secret key file (plexus keygen broker)")
        }
        return section
    }
}
