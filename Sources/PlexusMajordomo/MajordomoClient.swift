/// A client's REQUEST, as the broker receives it.
///
/// Frames after the ROUTER identity (`""?` is the optional empty delimiter):
///
/// | dialect     | frames                                           |
/// |-------------|--------------------------------------------------|
/// | `mdp01`     | `""?, "MDPC01", service, body...`                |
/// | `mdp02`     | `""?, "MDPC02", 0x01, service, body...`          |
/// | `majortomo` | `""?, "MDPC02", 0x02, service, body...`          |
///
/// The delimiter is canonical for `mdp01` (a REQ socket adds it) and `majortomo` (its client adds it), and
/// absent for `mdp02` (RFC 18 clients use DEALER without it); the broker accepts either and answers in kind.
public struct MajordomoClientMessage: Sendable, Hashable {
    /// The requested service.
    public var service: String
    /// The request body: one or more opaque frames.
    public var body: [[UInt8]]
    public var dialect: MajordomoDialect
    /// Whether the request started with an empty frame (REQ-style); replies must then start with one too.
    public var hasEmptyDelimiter: Bool

    /// A request; `hasEmptyDelimiter` defaults to the dialect's canonical form.
    public init(service: String, body: [[UInt8]], dialect: MajordomoDialect, hasEmptyDelimiter: Bool? = nil) {
        self.service = service
        self.body = body
        self.dialect = dialect
        self.hasEmptyDelimiter = hasEmptyDelimiter ?? dialect.wire.clientLeadingEmptyFrame
    }

    /// Decodes the frames after the ROUTER identity.
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws(MajordomoError) -> MajordomoClientMessage {
        let framing = try MajordomoFraming.detect(frames)
        guard framing.role == .client else { throw .wrongRole(expected: .client, found: framing.role) }
        var reader = FrameReader(frames)
        _ = reader.skipEmptyDelimiter()
        _ = reader.next()  // the header, checked by detect
        if framing.dialect.wire.clientHasCommandFrame { _ = try reader.commandByte() }  // REQUEST, checked by detect
        let service = try reader.serviceName()
        let body = try reader.body(of: .request)
        return MajordomoClientMessage(
            service: service, body: body, dialect: framing.dialect, hasEmptyDelimiter: framing.hasEmptyDelimiter)
    }

    public static func decode(_ frames: [[UInt8]]) throws(MajordomoError) -> MajordomoClientMessage { try decode(frames[...]) }

    /// Decodes a message whose leading empty frame was already split off (as `ControlEnvelope.split` does):
    /// `frames` starts at the header and `hasEmptyDelimiter` says whether the empty frame was there.
    public static func decode(
        _ frames: ArraySlice<[UInt8]>, hasEmptyDelimiter: Bool
    ) throws(MajordomoError) -> MajordomoClientMessage {
        if hasEmptyDelimiter { return try decode([[]] + Array(frames)) }
        return try decode(frames)
    }

    /// The frames a client sends (after the ROUTER identity, so starting with the delimiter if any).
    public func encode() throws(MajordomoError) -> [[UInt8]] {
        guard !body.isEmpty else { throw .emptyBody(.request) }
        let wire = dialect.wire
        var frames: [[UInt8]] = []
        frames.reserveCapacity(body.count + 4)
        if hasEmptyDelimiter { frames.append([]) }
        frames.append(wire.clientHeader)
        if let byte = wire.clientCommands[.request] { frames.append([byte]) }
        frames.append(try MajordomoServiceName.encode(service))
        frames.append(contentsOf: body)
        return frames
    }

    /// The reply to this request in its own dialect and framing.
    public func reply(_ kind: MajordomoReplyKind, body: [[UInt8]]) -> MajordomoClientReply {
        MajordomoClientReply(
            kind: kind, service: dialect.wire.clientRepliesCarryService ? service : nil, body: body, dialect: dialect,
            hasEmptyDelimiter: hasEmptyDelimiter)
    }

    /// The frames of a reply to this request, to send after the client's ROUTER identity.
    /// Throws `partialRepliesUnsupported` for a PARTIAL to an MDP/0.1 client, and `emptyBody` for an empty body.
    public func replyFrames(_ kind: MajordomoReplyKind, body: [[UInt8]]) throws(MajordomoError) -> [[UInt8]] {
        try reply(kind, body: body).encode()
    }
}

/// The two kinds of reply a broker sends a client. MDP/0.1's single REPLY is `final`.
public enum MajordomoReplyKind: String, Sendable, Hashable, CaseIterable {
    case partial
    case final
}

/// A reply from the broker to a client.
///
/// Frames after the ROUTER identity:
///
/// | dialect     | PARTIAL                                  | FINAL                                    |
/// |-------------|------------------------------------------|------------------------------------------|
/// | `mdp01`     | (none)                                   | `""?, "MDPC01", service, body...`        |
/// | `mdp02`     | `""?, "MDPC02", 0x02, service, body...`  | `""?, "MDPC02", 0x03, service, body...`  |
/// | `majortomo` | `""?, "MDPC02", 0x03, body...`           | `""?, "MDPC02", 0x04, body...`           |
public struct MajordomoClientReply: Sendable, Hashable {
    public var kind: MajordomoReplyKind
    /// The service that answered. Not on the wire for `majortomo` (ignored when encoding, `nil` when decoding);
    /// required for `mdp01` and `mdp02`.
    public var service: String?
    public var body: [[UInt8]]
    public var dialect: MajordomoDialect
    /// Whether the reply starts with an empty frame; mirror the request's.
    public var hasEmptyDelimiter: Bool

    /// A reply; `hasEmptyDelimiter` defaults to the dialect's canonical form.
    public init(
        kind: MajordomoReplyKind, service: String?, body: [[UInt8]], dialect: MajordomoDialect,
        hasEmptyDelimiter: Bool? = nil
    ) {
        self.kind = kind
        self.service = service
        self.body = body
        self.dialect = dialect
        self.hasEmptyDelimiter = hasEmptyDelimiter ?? dialect.wire.clientLeadingEmptyFrame
    }

    private var command: MajordomoCommand {
        switch (dialect, kind) {
        case (.mdp01, _): .reply
        case (_, .partial): .partial
        case (_, .final): .final
        }
    }

    /// The frames to send after the client's ROUTER identity.
    public func encode() throws(MajordomoError) -> [[UInt8]] {
        let wire = dialect.wire
        if dialect == .mdp01, kind == .partial { throw .partialRepliesUnsupported(dialect) }
        guard !body.isEmpty else { throw .emptyBody(command) }
        var frames: [[UInt8]] = []
        frames.reserveCapacity(body.count + 4)
        if hasEmptyDelimiter { frames.append([]) }
        frames.append(wire.clientHeader)
        if wire.clientHasCommandFrame, let byte = wire.clientCommands[command] { frames.append([byte]) }
        if wire.clientRepliesCarryService {
            guard let service else { throw .missingServiceName(dialect) }
            frames.append(try MajordomoServiceName.encode(service))
        }
        frames.append(contentsOf: body)
        return frames
    }

    /// Decodes a reply as a client of `dialect` receives it on a DEALER socket (a leading empty frame is
    /// accepted and noted). The dialect must be given: under `MDPC02`, byte `0x03` is FINAL for RFC 18 and
    /// PARTIAL for majortomo, so a reply alone does not say which it is.
    public static func decode(
        _ frames: ArraySlice<[UInt8]>, as dialect: MajordomoDialect
    ) throws(MajordomoError) -> MajordomoClientReply {
        let wire = dialect.wire
        var reader = FrameReader(frames)
        let delimited = reader.skipEmptyDelimiter()
        if reader.isAtEnd { throw delimited ? .missingHeader : .noFrames }
        try reader.header(wire.clientHeader)
        var kind = MajordomoReplyKind.final
        var command = MajordomoCommand.reply
        if wire.clientHasCommandFrame {
            let byte = try reader.commandByte()
            guard let found = wire.clientCommand(for: byte) else {
                throw .unknownCommand(byte, role: .client, dialects: [dialect])
            }
            switch found {
            case .partial: kind = .partial
            case .final: kind = .final
            default: throw .unexpectedCommand(found, dialect: dialect, role: .client)
            }
            command = found
        }
        let service = wire.clientRepliesCarryService ? try reader.serviceName() : nil
        let body = try reader.body(of: command)
        return MajordomoClientReply(kind: kind, service: service, body: body, dialect: dialect, hasEmptyDelimiter: delimited)
    }

    public static func decode(_ frames: [[UInt8]], as dialect: MajordomoDialect) throws(MajordomoError) -> MajordomoClientReply {
        try decode(frames[...], as: dialect)
    }
}
