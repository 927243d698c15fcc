import ZeroMQ

/// The authenticated sender of a message, as the ZAP handler bound it to the connection: its `User-Id`
/// (a topology name) and the metadata the handler added. Only with `security.curve` on.
struct PeerIdentity: Sendable, Equatable {
    /// The topology name the key belongs to (`User-Id`).
    var name: String
    /// For a supervised process's key: the instance id it was started as.
    var instance: String?
    /// The peer's CURVE public key (Z85).
    var key: String?
    /// The peer's IP address.
    var address: String?

    /// The identity bound to the connection `message` came from; nil when it has none (a peer inside
    /// the process, over `inproc://`, or CURVE off).
    init?(of message: Message) {
        guard let name = message.property("User-Id"), !name.isEmpty else { return nil }
        self.name = name
        instance = message.property(ZAPHandler.instanceProperty)
        key = message.property(ZAPHandler.keyProperty)
        address = message.property("Peer-Address")
    }

    init(name: String, instance: String? = nil, key: String? = nil, address: String? = nil) {
        self.name = name
        self.instance = instance
        self.key = key
        self.address = address
    }
}

/// What the core keeps for CURVE: the broker's public key (for `DISCOVER` and the plugins it starts),
/// the shared key table, and the key issued to each supervised instance's current process.
struct CurveSecurity {
    let serverPublicKey: String
    let keys: CurveKeyTable
    /// The public key of each supervised instance's current process, by instance id.
    var issued: [String: String] = [:]

    /// A fresh pair for `instance`, admitted until `revoke(instance)`; nil (and the spawn fails) when
    /// libzmq cannot make one.
    mutating func issue(instance: String, plugin: String) -> CurveKeyPair? {
        guard let pair = try? CurveKeyPair.generate() else { return nil }
        revoke(instance)
        keys.addSupervised(pair.publicKey, plugin: plugin, instance: instance)
        issued[instance] = pair.publicKey
        return pair
    }

    /// Stops admitting the key of `instance`'s process (it exited).
    mutating func revoke(_ instance: String) {
        if let old = issued.removeValue(forKey: instance) { keys.remove(old) }
    }
}
