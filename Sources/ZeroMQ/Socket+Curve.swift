import CZeroMQ

/// CurveZMQ and ZAP options (ZeroMQ RFC 26 and 27).
///
/// A CURVE server without a ZAP handler admits any client key; `setZAPEnforceDomain(true)` makes libzmq
/// refuse connections while no handler answers, so a server is fail-closed.
extension Socket {
    /// Makes this socket the CURVE server side, with its secret key (Z85).
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try setInt32Option(ZMQ_CURVE_SERVER, 1, "curve_server")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8), "curve_secretkey")
    }

    /// Makes this socket a CURVE client of the server whose public key is `serverKey`, with its own pair.
    public func setCurveClient(serverKey: String, keys: CurveKeyPair) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8), "curve_serverkey")
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(keys.publicKey.utf8), "curve_publickey")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(keys.secretKey.utf8), "curve_secretkey")
    }

    /// The ZAP domain sent to the handler with each connection's request.
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8), "zap_domain")
    }

    /// With `on`, a connection is refused while no ZAP handler answers (instead of being admitted).
    public func setZAPEnforceDomain(_ on: Bool) throws(ZMQError) {
        // ZMQ_ZAP_ENFORCE_DOMAIN (93) is a draft option in libzmq 4.3's header, so not visible here; the
        // library honours it (measured on Debian's 4.3.4, docs/SECURITY.md).
        try setInt32Option(Self.zapEnforceDomain, on ? 1 : 0, "zap_enforce_domain")
    }

    private static let zapEnforceDomain: Int32 = 93

    /// XPUB: subscriptions are passed up but not applied; the owner applies each one it allows by
    /// `subscribe` on the XPUB, right after receiving it (from the same subscriber).
    public func setXPubManual(_ on: Bool) throws(ZMQError) {
        try setInt32Option(ZMQ_XPUB_MANUAL, on ? 1 : 0, "xpub_manual")
    }
}
