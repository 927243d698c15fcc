import CZeroMQ
import Synchronization

/// The events of one socket, from libzmq's socket monitor (`zmq_socket_monitor`): connections made and
/// lost, and handshakes that failed, which is the only sign a CURVE client gets of being refused.
public final class SocketMonitor {
    /// One monitor event.
    public struct Event: Sendable, Equatable {
        /// A `ZMQ_EVENT_*` value.
        public let event: UInt16
        /// The event's value: a ZAP status code for `handshakeFailedAuth`, an errno for the other failures.
        public let value: UInt32
        public let endpoint: String

        /// The peer's key or credentials were refused (the value is the ZAP status, e.g. 400).
        public static let handshakeFailedAuth = UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        /// The peers do not speak the same security mechanism or protocol.
        public static let handshakeFailedProtocol = UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        /// A handshake failed for a reason libzmq does not detail (e.g. a CURVE server key that is wrong).
        public static let handshakeFailedNoDetail = UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        public static let handshakeSucceeded = UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
        /// The value of `handshakeFailedProtocol` when one side speaks CURVE and the other not
        /// (`ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`, a draft constant in libzmq 4.3's header).
        public static let mechanismMismatch: UInt32 = 0x1100_0002

        /// Whether the event is one of the handshake failures.
        public var isHandshakeFailure: Bool {
            [Self.handshakeFailedAuth, Self.handshakeFailedProtocol, Self.handshakeFailedNoDetail].contains(event)
        }
    }

    private let receiver: Socket
    private static let serial = Atomic<UInt64>(0)

    /// Starts monitoring `socket` for handshake events (success and the three failures).
    public init(_ socket: Socket, context: ZMQContext) throws(ZMQError) {
        let number = Self.serial.add(1, ordering: .relaxed).newValue
        let endpoint = "inproc://plexus-monitor-\(number)-\(UInt(bitPattern: socket.handle))"
        let events =
            ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
        try check(zmq_socket_monitor(socket.handle, endpoint, events), "zmq_socket_monitor")
        receiver = try context.socket(.pair)
        try receiver.connect(endpoint)
    }

    /// The socket to poll for events (readable when one is waiting).
    public var socket: Socket { receiver }

    /// The next event, waiting at most `timeoutMilliseconds` (0: only what is already there).
    public func next(timeoutMilliseconds: Int32) throws(ZMQError) -> Event? {
        try receiver.setReceiveTimeout(milliseconds: timeoutMilliseconds)
        guard let frames = try receiver.receiveMultipart(), frames.count == 2, frames[0].count == 6 else { return nil }
        let head = frames[0]
        let event = UInt16(head[0]) | UInt16(head[1]) << 8
        let value = UInt32(head[2]) | UInt32(head[3]) << 8 | UInt32(head[4]) << 16 | UInt32(head[5]) << 24
        return Event(event: event, value: value, endpoint: String(decoding: frames[1], as: UTF8.self))
    }

    /// Stops listening; libzmq stops monitoring when the watched socket closes.
    public func close() {
        receiver.close()
    }
}
