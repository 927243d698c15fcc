import Foundation
import PlexusClient
import PlexusProtocol
import ZeroMQ

/// A raw DEALER on the broker's control endpoint that speaks frames by hand: what a hostile or buggy
/// peer can send, with no SDK in between. For tests of how the broker treats bad input.
///
/// ```swift
/// let peer = try RawPeer(endpoint: broker.control)
/// let answer = try peer.register(Array(#"{"name": "x"}"#.utf8))
/// print(answer?.protocolError?.code ?? 0)  // 400: the instance id is missing
/// ```
public final class RawPeer {
    public let context: ZMQContext
    public let socket: Socket

    /// `curve`: CURVE keys for a broker with `security.curve` (none by default: a raw peer is raw).
    public init(endpoint: String, context: ZMQContext? = nil, curve: CurveCredentials? = nil) throws {
        self.context = try context ?? ZMQContext()
        socket = try self.context.socket(.dealer)
        try socket.setLinger(milliseconds: 0)
        if let curve { try curve.apply(to: socket) }
        try socket.connect(endpoint)
    }

    deinit { socket.close() }

    /// Sends frames after the empty delimiter a DEALER owes the ROUTER.
    public func send(_ frames: [[UInt8]]) throws {
        _ = try socket.send(multipart: [[]] + frames)
    }

    /// The next message (delimiter removed), or nil after `timeout` seconds.
    public func receive(timeout: Double) throws -> [[UInt8]]? {
        var poller = Poller()
        poller.add(socket)
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard try poller.poll(timeoutMilliseconds: max(1, Int(deadline.timeIntervalSinceNow * 1000))) > 0 else { continue }
            if let frames = try socket.receiveMultipart(dontWait: true) { return Array(frames.dropFirst()) }
        }
        return nil
    }

    /// Sends a client request (`PLXC01`) and returns its reply, or nil after `timeout` seconds.
    public func request(_ command: String, _ arguments: [[UInt8]], timeout: Double = 5) throws -> ClientReply? {
        let id = Array(UUID().uuidString.prefix(8).utf8)
        try send([ProtocolHeader.client.frame, Array(command.utf8), id] + arguments)
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let frames = try receive(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if let reply = try? ClientReply.decode(frames[...]), reply.requestID == id { return reply }
        }
        return nil
    }

    /// The broker's answer to a `REGISTER` with `body` (a JSON object): `WELCOME` or `ERROR`, or nil
    /// after `timeout` seconds.
    public func register(_ body: [UInt8], timeout: Double = 5) throws -> BrokerMessage? {
        try send([ProtocolHeader.plugin.frame, Array("REGISTER".utf8), body])
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let frames = try receive(timeout: deadline.timeIntervalSinceNow) else { return nil }
            switch try? BrokerMessage.decode(frames[...]) {
            case .welcome?, .error?: return try BrokerMessage.decode(frames[...])
            default: continue
            }
        }
        return nil
    }
}

extension ClientReply {
    /// The error of an `ERR` reply, nil otherwise.
    public var protocolError: ProtocolError? {
        if case .error(_, let error) = self { return error }
        return nil
    }
}

extension BrokerMessage {
    /// The error of an `ERROR` message, nil otherwise.
    public var protocolError: ProtocolError? {
        if case .error(let error) = self { return error }
        return nil
    }

    /// The body of a `WELCOME`, nil otherwise.
    public var welcome: Welcome? {
        if case .welcome(let welcome) = self { return welcome }
        return nil
    }
}
