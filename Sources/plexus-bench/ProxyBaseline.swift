import CZeroMQ
import Foundation
import PlexusTesting
import ZeroMQ

/// libzmq's own forwarder, `zmq_proxy` between XSUB and XPUB, on a thread: the baseline the broker's
/// forwarding loop is held to. It gets a ZeroMQ context (and so an I/O thread) of its own, as the broker
/// does, so that both forwarders stand as they would in a process of their own.
final class ProxyBaseline: @unchecked Sendable {
    let inbound: String
    let outbound: String
    private let frontend: Socket
    private let backend: Socket
    private let control: Socket
    private let steer: Socket
    private let thread: JoinableThread
    private let context: ZMQContext

    /// `curveSecretKey`: make both sides CURVE servers with this key (no ZAP handler: any client key is
    /// admitted, which is right for a baseline of the encryption's cost and wrong anywhere else).
    init(curveSecretKey: String? = nil) throws {
        let context = try ZMQContext(ioThreads: 1)
        self.context = context
        frontend = try context.socket(.xsub)
        try frontend.setReceiveHighWaterMark(0)
        if let curveSecretKey { try frontend.setCurveServer(secretKey: curveSecretKey) }
        inbound = try frontend.bind("tcp://127.0.0.1:*")
        backend = try context.socket(.xpub)
        try backend.setSendHighWaterMark(0)
        if let curveSecretKey { try backend.setCurveServer(secretKey: curveSecretKey) }
        outbound = try backend.bind("tcp://127.0.0.1:*")
        let endpoint = "inproc://proxy-control-\(UUID().uuidString)"
        control = try context.socket(.pair)
        try control.bind(endpoint)
        steer = try context.socket(.pair)
        try steer.connect(endpoint)
        let (frontend, backend, control) = (frontend, backend, control)
        thread = JoinableThread {
            zmq_proxy_steerable(frontend.rawHandle, backend.rawHandle, nil, control.rawHandle)
        }
    }

    func stop() {
        _ = try? steer.send(Array("TERMINATE".utf8))
        thread.joinOrExit("zmq_proxy")
        for socket in [frontend, backend, control, steer] { socket.close() }
    }
}
