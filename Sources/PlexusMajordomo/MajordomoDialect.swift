/// The Majordomo variants the codec speaks. Everything that differs between them on the wire is in
/// `MajordomoDialect.wire`; the decoders and encoders read that table and nothing else.
///
/// - `mdp01`: 7/MDP (MDP/0.1), headers `MDPC01`/`MDPW01`, one REPLY per request.
/// - `mdp02`: 18/MDP (MDP/0.2), headers `MDPC02`/`MDPW02`, PARTIAL and FINAL replies, no leading empty frame.
/// - `majortomo`: what the `majortomo` 0.2.0 Python package sends under the same `MDPC02`/`MDPW02` headers:
///   a leading empty frame on every message, one command table for clients and workers, no service frame in
///   replies to clients.
///
/// See `MAJORDOMO.md` for the frame layouts and for how `MajordomoFraming.detect(_:)` tells them apart.
public enum MajordomoDialect: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case mdp01
    case mdp02
    case majortomo

    public var description: String {
        switch self {
        case .mdp01: "MDP/0.1 (RFC 7)"
        case .mdp02: "MDP/0.2 (RFC 18)"
        case .majortomo: "majortomo 0.2.0"
        }
    }

    /// The wire constants of this dialect.
    public var wire: MajordomoWire {
        switch self {
        case .mdp01: .mdp01
        case .mdp02: .mdp02
        case .majortomo: .majortomo
        }
    }

    /// Whether a client of this dialect can receive PARTIAL replies. MDP/0.1 has a single REPLY: a broker
    /// that bridges a streaming worker to an MDP/0.1 client must gather the parts into the one reply.
    public var supportsPartialReplies: Bool { wire.clientCommands[.partial] != nil }
}

/// Every command of every dialect; which ones exist, with which byte, is in `MajordomoWire`.
public enum MajordomoCommand: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case ready = "READY"
    case request = "REQUEST"
    /// MDP/0.1 only: the single reply.
    case reply = "REPLY"
    /// MDP/0.2 and majortomo: one of zero or more intermediate replies.
    case partial = "PARTIAL"
    /// MDP/0.2 and majortomo: the last reply.
    case final = "FINAL"
    case heartbeat = "HEARTBEAT"
    case disconnect = "DISCONNECT"

    public var description: String { rawValue }
}

/// Which side of the broker a message belongs to (client sub-protocol or worker sub-protocol).
public enum MajordomoRole: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case client
    case worker

    public var description: String { rawValue }
}

/// The wire constants of one dialect, as data.
public struct MajordomoWire: Sendable, Hashable {
    /// The client sub-protocol header frame (`MDPC01`, `MDPC02`).
    public let clientHeader: [UInt8]
    /// The worker sub-protocol header frame (`MDPW01`, `MDPW02`).
    public let workerHeader: [UInt8]
    /// Whether every client message starts with an empty frame (the REQ delimiter). For clients this is the
    /// canonical form only: the broker accepts either and answers in kind (`MajordomoClientMessage`).
    public let clientLeadingEmptyFrame: Bool
    /// Whether every worker message starts with an empty frame. For workers this is required, not canonical.
    public let workerLeadingEmptyFrame: Bool
    /// Client sub-protocol command bytes. Empty for MDP/0.1, which has no command frame for clients
    /// (REQUEST and REPLY are told apart by direction alone).
    public let clientCommands: [MajordomoCommand: UInt8]
    /// Worker sub-protocol command bytes.
    public let workerCommands: [MajordomoCommand: UInt8]
    /// Whether a reply to a client carries the service name frame after the command.
    public let clientRepliesCarryService: Bool

    /// Whether client messages carry a command frame.
    public var clientHasCommandFrame: Bool { !clientCommands.isEmpty }

    /// The command a client command byte stands for, if any.
    public func clientCommand(for byte: UInt8) -> MajordomoCommand? {
        clientCommands.first { $0.value == byte }?.key
    }

    /// The command a worker command byte stands for, if any.
    public func workerCommand(for byte: UInt8) -> MajordomoCommand? {
        workerCommands.first { $0.value == byte }?.key
    }

    /// 7/MDP: `rfc.zeromq.org/spec:7`.
    public static let mdp01 = MajordomoWire(
        clientHeader: Array("MDPC01".utf8),
        workerHeader: Array("MDPW01".utf8),
        clientLeadingEmptyFrame: true,
        workerLeadingEmptyFrame: true,
        clientCommands: [:],
        workerCommands: [.ready: 0x01, .request: 0x02, .reply: 0x03, .heartbeat: 0x04, .disconnect: 0x05],
        clientRepliesCarryService: true)

    /// 18/MDP: `rfc.zeromq.org/spec:18`.
    public static let mdp02 = MajordomoWire(
        clientHeader: Array("MDPC02".utf8),
        workerHeader: Array("MDPW02".utf8),
        clientLeadingEmptyFrame: false,
        workerLeadingEmptyFrame: false,
        clientCommands: [.request: 0x01, .partial: 0x02, .final: 0x03],
        workerCommands: [.ready: 0x01, .request: 0x02, .partial: 0x03, .final: 0x04, .heartbeat: 0x05, .disconnect: 0x06],
        clientRepliesCarryService: true)

    /// majortomo 0.2.0 (`majortomo/protocol.py`): one table for both sub-protocols.
    public static let majortomo = MajordomoWire(
        clientHeader: Array("MDPC02".utf8),
        workerHeader: Array("MDPW02".utf8),
        clientLeadingEmptyFrame: true,
        workerLeadingEmptyFrame: true,
        clientCommands: [.request: 0x02, .partial: 0x03, .final: 0x04],
        workerCommands: [.ready: 0x01, .request: 0x02, .partial: 0x03, .final: 0x04, .heartbeat: 0x05, .disconnect: 0x06],
        clientRepliesCarryService: false)

    /// The four header frames any Majordomo dialect uses.
    public static let headers: [[UInt8]] = [
        mdp01.clientHeader, mdp01.workerHeader, mdp02.clientHeader, mdp02.workerHeader,
    ]
}
