import CZeroMQ

/// Typed socket options. Only the ones Plexus needs are here; add more the same way.
extension Socket {
    func setInt32Option(_ option: Int32, _ value: Int32, _ name: String) throws(ZMQError) {
        var value = value
        try check(zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size), "setsockopt \(name)")
    }

    func setInt64Option(_ option: Int32, _ value: Int64, _ name: String) throws(ZMQError) {
        var value = value
        try check(zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size), "setsockopt \(name)")
    }

    func setOption(_ option: Int32, bytes: [UInt8], _ name: String) throws(ZMQError) {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        try check(rc, "setsockopt \(name)")
    }

    func intOption(_ option: Int32, _ name: String) throws(ZMQError) -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        try check(zmq_getsockopt(handle, option, &value, &size), "getsockopt \(name)")
        return value
    }

    /// How long (ms) unsent messages are kept after `close`; Plexus uses 0 everywhere.
    public func setLinger(milliseconds: Int32) throws(ZMQError) {
        try setInt32Option(ZMQ_LINGER, milliseconds, "linger")
    }

    /// The queue limit (messages) for outgoing messages; PUB drops past it, others block or fail.
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setInt32Option(ZMQ_SNDHWM, messages, "sndhwm")
    }

    /// The queue limit (messages) for incoming messages.
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setInt32Option(ZMQ_RCVHWM, messages, "rcvhwm")
    }

    /// A receive timeout in milliseconds (-1: block forever); a timed-out receive returns "nothing".
    public func setReceiveTimeout(milliseconds: Int32) throws(ZMQError) {
        try setInt32Option(ZMQ_RCVTIMEO, milliseconds, "rcvtimeo")
    }

    /// A send timeout in milliseconds (-1: block forever).
    public func setSendTimeout(milliseconds: Int32) throws(ZMQError) {
        try setInt32Option(ZMQ_SNDTIMEO, milliseconds, "sndtimeo")
    }

    /// The identity a ROUTER peer sees for this socket.
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_ROUTING_ID, bytes: id, "routing_id")
    }

    /// Adds a prefix subscription (SUB, XSUB). An empty prefix subscribes to everything.
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix, "subscribe")
    }

    /// Adds a prefix subscription given as a string.
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try subscribe(Array(prefix.utf8))
    }

    /// Removes a prefix subscription.
    public func unsubscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_UNSUBSCRIBE, bytes: prefix, "unsubscribe")
    }

    /// The largest inbound message (bytes) accepted; larger ones disconnect the peer (-1: no limit).
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setInt64Option(ZMQ_MAXMSGSIZE, bytes, "maxmsgsize")
    }

    /// ROUTER: fail with `EHOSTUNREACH` instead of silently dropping messages to unknown peers.
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) {
        try setInt32Option(ZMQ_ROUTER_MANDATORY, on ? 1 : 0, "router_mandatory")
    }

    /// ROUTER: a new connection with a routing id already in use takes it over.
    public func setRouterHandover(_ on: Bool) throws(ZMQError) {
        try setInt32Option(ZMQ_ROUTER_HANDOVER, on ? 1 : 0, "router_handover")
    }

    /// Queue messages only to completed connections.
    public func setImmediate(_ on: Bool) throws(ZMQError) {
        try setInt32Option(ZMQ_IMMEDIATE, on ? 1 : 0, "immediate")
    }

    /// The base and maximum reconnect intervals, in milliseconds.
    public func setReconnectInterval(milliseconds: Int32, max: Int32 = 0) throws(ZMQError) {
        try setInt32Option(ZMQ_RECONNECT_IVL, milliseconds, "reconnect_ivl")
        try setInt32Option(ZMQ_RECONNECT_IVL_MAX, max, "reconnect_ivl_max")
    }

    /// XPUB: pass every subscription message up, not only the first for a prefix.
    public func setXPubVerbose(_ on: Bool) throws(ZMQError) {
        try setInt32Option(ZMQ_XPUB_VERBOSE, on ? 1 : 0, "xpub_verbose")
    }

    /// XPUB: pass unsubscriptions up too, including those for a subscriber that disconnects, so that
    /// subscription counts stay exact when several subscribers share a prefix.
    public func setXPubVerboser(_ on: Bool) throws(ZMQError) {
        try setInt32Option(ZMQ_XPUB_VERBOSER, on ? 1 : 0, "xpub_verboser")
    }

    /// XPUB: with `on`, a send fails with EAGAIN (instead of dropping silently) when a matching
    /// subscriber's queue is full. libzmq reads the option at every send, so it may be switched at will.
    public func setXPubNoDrop(_ on: Bool) throws(ZMQError) {
        try setInt32Option(ZMQ_XPUB_NODROP, on ? 1 : 0, "xpub_nodrop")
    }
}
