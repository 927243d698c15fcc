import Foundation
import PlexusProtocol
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking client of the broker's control endpoint (`PLXC01` over a DEALER socket).
///
/// Every call waits at most `timeout` seconds and then throws `ClientError.timeout`; it never hangs.
/// Not thread-safe: use one client per thread.
///
/// ```swift
/// let client = try ControlClient(endpoint: "tcp://127.0.0.1:7700", timeout: 2)
/// let (pong, roundTrip) = try client.ping()
/// ```
public final class ControlClient {
    public let endpoint: String
    public var timeout: Double
    private let context: ZMQContext
    private let socket: Socket
    /// Watches the handshake when CURVE is on: a refused key shows only there.
    private let monitor: SocketMonitor?
    private let hasKey: Bool
    private var nextRequest: UInt64 = 0

    /// The most frames a reply may have: a `REPLAY` batch of 10,000 events is three frames each.
    static let maxReplyFrames = 3 * ReplayRequest.maxMaxEvents + 16

    /// `curve`: the CURVE keys (default: `CurveCredentials.processDefault`, from the environment). Not
    /// applied to `inproc://` endpoints, which have no handshake. `watchHandshake`: watch the handshake
    /// also without keys, so that a broker that requires one is reported at once (the CLI does).
    public init(
        endpoint: String, timeout: Double = 5, context: ZMQContext? = nil,
        curve: CurveCredentials? = CurveCredentials.processDefault, watchHandshake: Bool = false
    ) throws(ClientError) {
        self.endpoint = endpoint
        self.timeout = timeout
        do {
            self.context = try context ?? ZMQContext()
            socket = try self.context.socket(.dealer)
            hasKey = curve != nil
            if let curve, !endpoint.hasPrefix("inproc://") { try curve.apply(to: socket) }
            monitor =
                (curve != nil || watchHandshake) && !endpoint.hasPrefix("inproc://")
                ? try SocketMonitor(socket, context: self.context) : nil
            try socket.connect(endpoint)
        } catch let error as ZMQError {
            throw .transport(error)
        } catch {
            throw .badReply("\(error)")
        }
    }

    /// Sends a command and returns the body frames of the `OK` reply.
    public func request(_ command: ClientCommand, page: PageRequest? = nil) throws(ClientError) -> [[UInt8]] {
        try request(command, page: page, waitingUpTo: timeout, onPartial: nil)
    }

    /// One page of a list command's answer, and where the list goes on (nil from a broker that does not page).
    public func requestPage<Item: Decodable>(
        _ command: ClientCommand, page: PageRequest, as type: Item.Type
    ) throws(ClientError) -> (items: [Item], info: PageInfo?) {
        let body = try request(command, page: page)
        guard let first = body.first else { throw .badReply("\(command.name) reply has no body") }
        do throws(ProtocolError) {
            let items = try JSONCoding.decode([Item].self, from: first, what: "\(command.name) reply")
            let info = try body.dropFirst().first.map { frame throws(ProtocolError) in
                try JSONCoding.decode(PageInfo.self, from: frame, what: "\(command.name) page")
            }
            return (items, info)
        } catch {
            throw .badReply(error.message)
        }
    }

    /// Every item of a list command's answer, page by page (at most 1,000 pages).
    public func requestAll<Item: Decodable>(_ command: ClientCommand, as type: Item.Type) throws(ClientError) -> [Item] {
        var items: [Item] = []
        var page = PageRequest(offset: 0, limit: PageRequest.maxLimit)
        for _ in 0..<1_000 {
            let (chunk, info) = try requestPage(command, page: page, as: Item.self)
            items += chunk
            guard let next = info?.nextOffset, next > page.offset else { return items }
            page.offset = next
        }
        return items
    }

    /// Calls a service: streams `PARTIAL` bodies to `onPartial` and returns the final body. Waits for the
    /// call's own timeout plus a second, since the broker answers 504 itself at the deadline.
    public func call(
        _ service: String, body: [UInt8], options: CallOptions = CallOptions(),
        onPartial: (([UInt8]) -> Void)? = nil
    ) throws(ClientError) -> [UInt8] {
        let wait = Double(options.timeoutMilliseconds) / 1000 + 1
        let frames = try request(.call(service: service, body: body, options: options), page: nil, waitingUpTo: wait) { partial in
            onPartial?(partial.first ?? [])
        }
        return frames.first ?? []
    }

    private func request(
        _ command: ClientCommand, page: PageRequest?, waitingUpTo timeout: Double,
        onPartial: (([[UInt8]]) -> Void)?
    ) throws(ClientError) -> [[UInt8]] {
        nextRequest += 1
        let requestID = Array(String(nextRequest).utf8)
        let frames = [[UInt8]()] + ClientRequest(requestID: requestID, command: command, page: page).encode()
        var deadline = Date().addingTimeInterval(timeout)
        do {
            guard try socket.send(multipart: frames, dontWait: true) else {
                throw ClientError.timeout(command: command.name, endpoint: endpoint, seconds: timeout)
            }
            var poller = Poller()
            poller.add(socket)
            let monitorIndex = monitor.map { poller.add($0.socket) }
            while true {
                let remaining = deadline.timeIntervalSinceNow
                guard remaining > 0 else {
                    throw ClientError.timeout(command: command.name, endpoint: endpoint, seconds: timeout)
                }
                guard try poller.poll(timeoutMilliseconds: Int((remaining * 1000).rounded(.up))) > 0 else { continue }
                if let monitor, let monitorIndex, poller.isReadable(monitorIndex), let problem = try handshakeProblem(monitor) {
                    throw problem
                }
                guard let reply = try socket.receiveMultipart(dontWait: true, maxFrames: Self.maxReplyFrames) else { continue }
                guard let (_, body) = ControlEnvelope.split([[]] + reply) else { continue }
                let decoded = try ClientReply.decode(body)
                // A late answer to an earlier, timed-out request: skip it.
                guard decoded.requestID == requestID else { continue }
                switch decoded {
                case .ok(_, let body): return body
                case .partial(_, let body):
                    onPartial?(body)
                    // A stream that is still moving is alive: leave at least a second for its next part.
                    deadline = max(deadline, Date().addingTimeInterval(1))
                case .error(_, let error): throw ClientError.rejected(error)
                }
            }
        } catch let error as ClientError {
            throw error
        } catch let error as ZMQError {
            throw .transport(error)
        } catch let error as ProtocolError {
            throw .badReply(error.message)
        } catch {
            throw .badReply("\(error)")
        }
    }

    /// What the monitor reports about the handshake: a refused key, or a mechanism mismatch (CURVE on one
    /// side only); nil when neither (it reads what is waiting).
    private func handshakeProblem(_ monitor: SocketMonitor) throws(ZMQError) -> ClientError? {
        for _ in 0..<64 {
            guard let event = try monitor.next(timeoutMilliseconds: 0) else { return nil }
            if event.event == SocketMonitor.Event.handshakeFailedAuth { return .keyRefused(endpoint: endpoint) }
            if event.event == SocketMonitor.Event.handshakeFailedProtocol, event.value == SocketMonitor.Event.mechanismMismatch {
                return .mechanismMismatch(endpoint: endpoint, hasKey: hasKey)
            }
        }
        return nil
    }

    /// Sends a command without waiting for the answer. The socket lingers up to `timeout` so that the
    /// message still leaves when the caller exits right away; it is lost if the broker stays unreachable.
    public func send(_ command: ClientCommand) throws(ClientError) {
        let frames = [[UInt8]()] + ClientRequest(requestID: [], command: command).encode()
        do {
            try socket.setLinger(milliseconds: Int32(min(timeout * 1000, Double(Int32.max))))
            try socket.send(multipart: frames)
        } catch {
            throw .transport(error)
        }
    }

    /// Sends a command and decodes the first body frame as JSON.
    public func request<T: Decodable>(_ command: ClientCommand, as type: T.Type) throws(ClientError) -> T {
        let body = try request(command)
        guard let first = body.first else { throw .badReply("\(command.name) reply has no body") }
        do throws(ProtocolError) {
            return try JSONCoding.decode(T.self, from: first, what: "\(command.name) reply")
        } catch {
            throw .badReply(error.message)
        }
    }

    /// Round trip to the broker; returns its answer and the measured round-trip time in seconds.
    public func ping() throws(ClientError) -> (PingReply, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let reply = try request(.ping, as: PingReply.self)
        return (reply, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The broker's endpoints, wildcard hosts resolved against the control endpoint. A client that
    /// reached the broker over `ipc://` gets the ipc event endpoints (it may have no network).
    public func discover() throws(ClientError) -> DiscoverReply {
        var reply = try request(.discover, as: DiscoverReply.self)
        if endpoint.hasPrefix("ipc://"), let ipc = reply.ipc {
            reply.eventsIn = ipc.eventsIn
            reply.eventsOut = ipc.eventsOut
        }
        reply.eventsIn = EndpointAddress.resolve(reply.eventsIn, relativeTo: endpoint)
        reply.eventsOut = EndpointAddress.resolve(reply.eventsOut, relativeTo: endpoint)
        return reply
    }

    /// Acknowledged publish; returns the event's sequence number.
    public func publish(_ event: PublishRequest) throws(ClientError) -> UInt64 {
        try request(.publish(event), as: PublishReply.self).seq
    }

    /// The registry, every page of it.
    public func plugins() throws(ClientError) -> [InstanceInfo] {
        try requestAll(.plugins, as: InstanceInfo.self)
    }

    /// Every supervised and attached instance, every page of them.
    public func status() throws(ClientError) -> [InstanceInfo] {
        try requestAll(.status, as: InstanceInfo.self)
    }

    /// The event bus counters.
    public func stats() throws(ClientError) -> StatsReply {
        try request(.stats, as: StatsReply.self)
    }
}
