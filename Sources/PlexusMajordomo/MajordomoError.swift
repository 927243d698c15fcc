/// Why frames could not be decoded, or a value could not be encoded.
///
/// Decoders never trap: every malformed input ends in one of these. `description` is a sentence that names
/// the frame at fault, suitable for a log line.
public enum MajordomoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No frames at all after the ROUTER identity.
    case noFrames
    /// Only the empty delimiter frame, no header after it.
    case missingHeader
    /// The header frame is not `MDPC01`, `MDPW01`, `MDPC02` or `MDPW02` (holds at most 16 bytes of it).
    case unknownHeader([UInt8])
    /// A Majordomo header, but not the one this decoder reads (e.g. `MDPC02` given to a reply decoder for MDP/0.1).
    case unexpectedHeader(expected: [UInt8], found: [UInt8])
    /// A message of the other sub-protocol (a worker message given to the client decoder, or the reverse).
    case wrongRole(expected: MajordomoRole, found: MajordomoRole)
    /// An MDP/0.1 worker message without its leading empty frame (RFC 7 requires it on every worker command).
    case missingLeadingEmptyFrame(MajordomoDialect)
    /// A required frame is absent; the string names it ("command", "service name", "client address", ...).
    case missingFrame(String)
    /// The command frame is not exactly one byte (holds at most 16 bytes of it).
    case malformedCommandFrame([UInt8])
    /// A command byte that no dialect defines under this header.
    case unknownCommand(UInt8, role: MajordomoRole, dialects: [MajordomoDialect])
    /// A command that exists but travels the other way (a worker sending REQUEST, a client sending FINAL).
    case unexpectedCommand(MajordomoCommand, dialect: MajordomoDialect, role: MajordomoRole)
    /// A command the dialect does not have (`REPLY` under MDP/0.2, `PARTIAL` under MDP/0.1).
    case commandNotInDialect(MajordomoCommand, MajordomoDialect)
    /// The service name frame is empty.
    case emptyServiceName
    /// The service name is not printable UTF-8; the string says why.
    case invalidServiceName(String)
    /// The client address frame of a REQUEST/REPLY/PARTIAL/FINAL is empty (ROUTER identities never are).
    case emptyClientAddress
    /// The frame after the client address is not empty (holds at most 16 bytes of it).
    case missingEnvelopeDelimiter([UInt8])
    /// A command that carries a body has no body frame (every RFC requires at least one).
    case emptyBody(MajordomoCommand)
    /// Frames after the last frame a command may have (READY, HEARTBEAT, DISCONNECT have a fixed size).
    case unexpectedFrames(MajordomoCommand, count: Int)
    /// A reply to an MDP/0.1 client must be FINAL: the dialect has no PARTIAL.
    case partialRepliesUnsupported(MajordomoDialect)
    /// A reply to an MDP/0.1 or MDP/0.2 client needs the service name, which is on the wire in those dialects.
    case missingServiceName(MajordomoDialect)

    public var description: String {
        switch self {
        case .noFrames:
            return "empty message: expected a Majordomo header frame"
        case .missingHeader:
            return "only an empty delimiter frame: expected a Majordomo header frame after it"
        case .unknownHeader(let frame):
            return "unknown protocol header \(Self.show(frame)): expected MDPC01, MDPW01, MDPC02 or MDPW02"
        case .unexpectedHeader(let expected, let found):
            return "unexpected protocol header \(Self.show(found)): expected \(Self.show(expected))"
        case .wrongRole(let expected, let found):
            return "a \(found) message where a \(expected) message was expected"
        case .missingLeadingEmptyFrame(let dialect):
            return "\(dialect) worker messages must start with an empty frame"
        case .missingFrame(let name):
            return "missing frame: \(name)"
        case .malformedCommandFrame(let frame):
            return "command frame must be exactly one byte, got \(frame.count) bytes \(Self.show(frame))"
        case .unknownCommand(let byte, let role, let dialects):
            let names = dialects.map(\.description).joined(separator: " or ")
            return "unknown \(role) command byte \(Self.hex(byte)) for \(names)"
        case .unexpectedCommand(let command, let dialect, let role):
            return "unexpected \(command) in the \(role) sub-protocol of \(dialect): only the other side sends it"
        case .commandNotInDialect(let command, let dialect):
            return "\(dialect) has no \(command) command"
        case .emptyServiceName:
            return "the service name frame is empty"
        case .invalidServiceName(let reason):
            return "invalid service name: \(reason)"
        case .emptyClientAddress:
            return "the client address frame is empty"
        case .missingEnvelopeDelimiter(let frame):
            return "the frame after the client address must be empty, got \(frame.count) bytes \(Self.show(frame))"
        case .emptyBody(let command):
            return "\(command) needs at least one body frame"
        case .unexpectedFrames(let command, let count):
            return "\(count) unexpected frame\(count == 1 ? "" : "s") after \(command)"
        case .partialRepliesUnsupported(let dialect):
            return "\(dialect) clients cannot receive PARTIAL replies: send one FINAL reply"
        case .missingServiceName(let dialect):
            return "replies to \(dialect) clients carry the service name, and none was given"
        }
    }

    /// A short, printable rendering of a frame: quoted if printable ASCII, hex otherwise.
    static func show(_ frame: [UInt8]) -> String {
        let shown = frame.prefix(16)
        let suffix = frame.count > 16 ? "…" : ""
        if shown.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return "\"" + String(decoding: shown, as: UTF8.self) + suffix + "\""
        }
        return "0x" + shown.map { hexDigits($0) }.joined() + suffix
    }

    static func hex(_ byte: UInt8) -> String { "0x" + hexDigits(byte) }

    private static func hexDigits(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// The first 16 bytes of a frame, as the error cases hold it (bounded, whatever the input size).
    static func clip(_ frame: [UInt8]) -> [UInt8] { Array(frame.prefix(16)) }
}
