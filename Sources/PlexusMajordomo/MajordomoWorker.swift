/// A command from a worker, as the broker receives it.
///
/// Frames after the ROUTER identity (`E` is the leading empty frame: required for `mdp01` and `majortomo`,
/// absent for `mdp02`; `C` is the command byte from `MajordomoWire.workerCommands`):
///
/// | command                 | frames                                  |
/// |-------------------------|-----------------------------------------|
/// | READY                   | `E, header, C, service`                 |
/// | REPLY / PARTIAL / FINAL | `E, header, C, client, "", body...`     |
/// | HEARTBEAT / DISCONNECT  | `E, header, C`                          |
public struct MajordomoWorkerMessage: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The worker offers `service`.
        case ready(service: String)
        /// MDP/0.1's single reply to the client at `clientAddress`.
        case reply(clientAddress: [UInt8], body: [[UInt8]])
        /// MDP/0.2 and majortomo: an intermediate reply.
        case partial(clientAddress: [UInt8], body: [[UInt8]])
        /// MDP/0.2 and majortomo: the last reply.
        case final(clientAddress: [UInt8], body: [[UInt8]])
        case heartbeat
        case disconnect

        public var command: MajordomoCommand {
            switch self {
            case .ready: .ready
            case .reply: .reply
            case .partial: .partial
            case .final: .final
            case .heartbeat: .heartbeat
            case .disconnect: .disconnect
            }
        }

        /// The client address and body of REPLY, PARTIAL and FINAL, with whether it ends the request
        /// (REPLY and FINAL do); `nil` for the other commands.
        public var clientReply: (clientAddress: [UInt8], body: [[UInt8]], isLast: Bool)? {
            switch self {
            case .reply(let address, let body), .final(let address, let body): (address, body, true)
            case .partial(let address, let body): (address, body, false)
            case .ready, .heartbeat, .disconnect: nil
            }
        }
    }

    public var kind: Kind
    /// The worker's dialect; for `MDPW02` it only says whether the worker uses the leading empty frame.
    public var dialect: MajordomoDialect

    public init(_ kind: Kind, dialect: MajordomoDialect) {
        self.kind = kind
        self.dialect = dialect
    }

    /// Decodes the frames after the ROUTER identity.
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws(MajordomoError) -> MajordomoWorkerMessage {
        var (reader, dialect, command) = try WorkerFrames.open(frames)
        switch command {
        case .ready:
            let service = try reader.serviceName()
            try reader.end(of: .ready)
            return MajordomoWorkerMessage(.ready(service: service), dialect: dialect)
        case .reply, .partial, .final:
            let address = try reader.clientEnvelope()
            let body = try reader.body(of: command)
            let kind: Kind =
                switch command {
                case .reply: .reply(clientAddress: address, body: body)
                case .partial: .partial(clientAddress: address, body: body)
                default: .final(clientAddress: address, body: body)
                }
            return MajordomoWorkerMessage(kind, dialect: dialect)
        case .heartbeat:
            try reader.end(of: .heartbeat)
            return MajordomoWorkerMessage(.heartbeat, dialect: dialect)
        case .disconnect:
            try reader.end(of: .disconnect)
            return MajordomoWorkerMessage(.disconnect, dialect: dialect)
        case .request:
            throw .unexpectedCommand(.request, dialect: dialect, role: .worker)
        }
    }

    public static func decode(_ frames: [[UInt8]]) throws(MajordomoError) -> MajordomoWorkerMessage { try decode(frames[...]) }

    /// Decodes a message whose leading empty frame was already split off (as `ControlEnvelope.split` does).
    public static func decode(
        _ frames: ArraySlice<[UInt8]>, hasEmptyDelimiter: Bool
    ) throws(MajordomoError) -> MajordomoWorkerMessage {
        if hasEmptyDelimiter { return try decode([[]] + Array(frames)) }
        return try decode(frames)
    }

    /// The frames a worker sends (after the ROUTER identity).
    public func encode() throws(MajordomoError) -> [[UInt8]] {
        var frames = try WorkerFrames.start(kind.command, dialect: dialect)
        switch kind {
        case .ready(let service):
            frames.append(try MajordomoServiceName.encode(service))
        case .reply(let address, let body), .partial(let address, let body), .final(let address, let body):
            try WorkerFrames.append(address: address, body: body, of: kind.command, to: &frames)
        case .heartbeat, .disconnect:
            break
        }
        return frames
    }
}

/// A command from the broker to a worker.
///
/// | command                | frames (after the ROUTER identity)  |
/// |------------------------|-------------------------------------|
/// | REQUEST                | `E, header, C, client, "", body...` |
/// | HEARTBEAT / DISCONNECT | `E, header, C`                      |
public struct MajordomoBrokerCommand: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A client request; `clientAddress` is the client's ROUTER identity, to be echoed in the reply.
        case request(clientAddress: [UInt8], body: [[UInt8]])
        case heartbeat
        case disconnect

        public var command: MajordomoCommand {
            switch self {
            case .request: .request
            case .heartbeat: .heartbeat
            case .disconnect: .disconnect
            }
        }
    }

    public var kind: Kind
    /// The dialect of the worker it goes to (as decoded from that worker's messages).
    public var dialect: MajordomoDialect

    public init(_ kind: Kind, dialect: MajordomoDialect) {
        self.kind = kind
        self.dialect = dialect
    }

    /// The frames to send after the worker's ROUTER identity.
    public func encode() throws(MajordomoError) -> [[UInt8]] {
        var frames = try WorkerFrames.start(kind.command, dialect: dialect)
        if case .request(let address, let body) = kind {
            try WorkerFrames.append(address: address, body: body, of: .request, to: &frames)
        }
        return frames
    }

    /// HEARTBEAT to a worker of `dialect` (cannot fail).
    public static func heartbeat(_ dialect: MajordomoDialect) -> [[UInt8]] { WorkerFrames.bare(.heartbeat, dialect: dialect) }

    /// DISCONNECT to a worker of `dialect` (cannot fail).
    public static func disconnect(_ dialect: MajordomoDialect) -> [[UInt8]] { WorkerFrames.bare(.disconnect, dialect: dialect) }

    /// Decodes what a worker receives from the broker (frames after the DEALER socket).
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws(MajordomoError) -> MajordomoBrokerCommand {
        var (reader, dialect, command) = try WorkerFrames.open(frames)
        switch command {
        case .request:
            let address = try reader.clientEnvelope()
            let body = try reader.body(of: .request)
            return MajordomoBrokerCommand(.request(clientAddress: address, body: body), dialect: dialect)
        case .heartbeat:
            try reader.end(of: .heartbeat)
            return MajordomoBrokerCommand(.heartbeat, dialect: dialect)
        case .disconnect:
            try reader.end(of: .disconnect)
            return MajordomoBrokerCommand(.disconnect, dialect: dialect)
        case .ready, .reply, .partial, .final:
            throw .unexpectedCommand(command, dialect: dialect, role: .worker)
        }
    }

    public static func decode(_ frames: [[UInt8]]) throws(MajordomoError) -> MajordomoBrokerCommand { try decode(frames[...]) }
}

/// What worker-side messages in both directions share.
enum WorkerFrames {
    /// Detects the dialect, checks the role, reads the command byte.
    static func open(
        _ frames: ArraySlice<[UInt8]>
    ) throws(MajordomoError) -> (FrameReader, MajordomoDialect, MajordomoCommand) {
        let framing = try MajordomoFraming.detect(frames)
        guard framing.role == .worker else { throw .wrongRole(expected: .worker, found: framing.role) }
        var reader = FrameReader(frames)
        _ = reader.skipEmptyDelimiter()
        _ = reader.next()  // the header, checked by detect
        let byte = try reader.commandByte()
        guard let command = framing.dialect.wire.workerCommand(for: byte) else {
            throw .unknownCommand(byte, role: .worker, dialects: [framing.dialect])
        }
        return (reader, framing.dialect, command)
    }

    /// `E?, header, C` for `command`, which must exist in the dialect.
    static func start(_ command: MajordomoCommand, dialect: MajordomoDialect) throws(MajordomoError) -> [[UInt8]] {
        let wire = dialect.wire
        guard let byte = wire.workerCommands[command] else { throw .commandNotInDialect(command, dialect) }
        return wire.workerLeadingEmptyFrame ? [[], wire.workerHeader, [byte]] : [wire.workerHeader, [byte]]
    }

    /// HEARTBEAT and DISCONNECT exist in every dialect.
    static func bare(_ command: MajordomoCommand, dialect: MajordomoDialect) -> [[UInt8]] {
        let wire = dialect.wire
        let byte = wire.workerCommands[command] ?? 0
        return wire.workerLeadingEmptyFrame ? [[], wire.workerHeader, [byte]] : [wire.workerHeader, [byte]]
    }

    static func append(
        address: [UInt8], body: [[UInt8]], of command: MajordomoCommand, to frames: inout [[UInt8]]
    ) throws(MajordomoError) {
        guard !address.isEmpty else { throw .emptyClientAddress }
        guard !body.isEmpty else { throw .emptyBody(command) }
        frames.reserveCapacity(frames.count + body.count + 2)
        frames.append(address)
        frames.append([])
        frames.append(contentsOf: body)
    }
}
