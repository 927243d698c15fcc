import PlexusTopology
import Synchronization

/// Who a CURVE key belongs to: what the ZAP handler admits, and the identity the broker then binds to
/// that connection's messages.
struct CurvePeer: Sendable, Equatable {
    /// The topology name: a `security.clients` entry or a plugin. Becomes the connection's `User-Id`.
    var name: String
    /// For a supervised process: the instance id it was started as (and must register as).
    var instance: String?
}

/// The keys the broker admits, shared between the loop (which adds and removes supervised instances'
/// keys as it spawns them and they exit) and the ZAP handler's thread (which looks keys up).
final class CurveKeyTable: Sendable {
    private struct Keys {
        /// From the topology: clients and attached plugins.
        var configured: [String: CurvePeer] = [:]
        /// Fresh pairs given to supervised processes, by public key.
        var supervised: [String: CurvePeer] = [:]
    }

    private let keys = Mutex(Keys())

    /// Replaces the keys from the topology (at start and after an apply): `security.clients` and each
    /// plugin's `public_key`.
    func configure(from topology: Topology?) {
        var configured: [String: CurvePeer] = [:]
        for (name, key) in topology?.security.clients ?? [:] { configured[key] = CurvePeer(name: name) }
        for spec in topology?.plugins ?? [] {
            if let key = spec.publicKey { configured[key] = CurvePeer(name: spec.name) }
        }
        keys.withLock { $0.configured = configured }
    }

    /// Admits `publicKey` as supervised instance `instance` of `plugin` until `remove`.
    func addSupervised(_ publicKey: String, plugin: String, instance: String) {
        keys.withLock { $0.supervised[publicKey] = CurvePeer(name: plugin, instance: instance) }
    }

    /// Admits `publicKey` as `peer` for the broker's lifetime (the broker's own in-process clients).
    func admit(_ publicKey: String, as peer: CurvePeer) {
        keys.withLock { $0.supervised[publicKey] = peer }
    }

    /// Forgets a supervised instance's key (its process exited).
    func remove(_ publicKey: String) {
        _ = keys.withLock { $0.supervised.removeValue(forKey: publicKey) }
    }

    /// The peer a key belongs to; nil for an unknown key. A supervised instance's key wins: it is the
    /// fresher and more specific grant.
    func peer(for publicKey: String) -> CurvePeer? {
        keys.withLock { $0.supervised[publicKey] ?? $0.configured[publicKey] }
    }
}
