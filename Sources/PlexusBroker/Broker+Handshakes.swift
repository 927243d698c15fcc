import ZeroMQ

/// Handshakes that failed before the ZAP handler was asked (CURVE on): a peer without CURVE, or one whose
/// handshake is malformed. The ZAP handler reports the keys it refuses itself; these come from the
/// server sockets' monitors, so that every refused peer is counted (`STATS` `malformed.auth`), logged
/// and audited.
extension Broker {
    /// Monitor events read per wake-up: a storm of failed connections cannot hold the loop.
    static let handshakeBatch = 64

    /// Reads the waiting events of monitor `slot` (of `handshakeMonitors`).
    func readHandshakes(_ slot: Int) {
        let (name, monitor) = handshakeMonitors[slot]
        for _ in 0..<Self.handshakeBatch {
            guard let event = try? monitor.next(timeoutMilliseconds: 0) else { return }
            guard let reason = Self.refusalReason(event) else { continue }
            execute(state.input(.authDenied(key: nil, address: "\(name) \(event.endpoint)", reason: reason)))
        }
    }

    /// Why a handshake failed, or nil for an event that is not a failure the ZAP handler missed.
    static func refusalReason(_ event: SocketMonitor.Event) -> String? {
        switch event.event {
        case SocketMonitor.Event.handshakeFailedProtocol where event.value == SocketMonitor.Event.mechanismMismatch:
            "the peer does not use CURVE"
        case SocketMonitor.Event.handshakeFailedProtocol:
            "handshake failed: protocol error 0x\(String(event.value, radix: 16))"
        case SocketMonitor.Event.handshakeFailedNoDetail:
            "handshake failed (errno \(event.value)): a malformed handshake, or a client with the wrong server key"
        default:
            // Success, and ZAP refusals, which the handler has reported with the key.
            nil
        }
    }
}
