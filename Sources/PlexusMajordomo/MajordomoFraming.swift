/// What the first frames of a message say about who sent it and in which dialect.
///
/// The detection rule (`detect(_:)`), applied to the frames after the ROUTER identity:
///
/// 1. One leading empty frame, if present, is noted (`hasEmptyDelimiter`) and skipped.
/// 2. The next frame is the header. `MDPC01`/`MDPC02` mean a client, `MDPW01`/`MDPW02` a worker; anything
///    else is not Majordomo (`MajordomoError.unknownHeader`).
/// 3. `MDPC01` is MDP/0.1. `MDPW01` is MDP/0.1 and must have had the empty frame.
/// 4. `MDPW02`: the empty frame decides. Without it the message is MDP/0.2 (RFC 18 removed the empty frame),
///    with it majortomo (which sends one on every message). The two worker command tables are identical, so
///    this only decides whether replies to that worker carry the empty frame.
/// 5. `MDPC02`: the command byte decides, because the one command a client sends has a different byte in each
///    table: `0x01` is RFC 18's REQUEST (in majortomo `0x01` is READY, which no client sends), `0x02` is
///    majortomo's REQUEST (in RFC 18 `0x02` is PARTIAL, which no client sends). The empty frame is noted
///    independently, and replies carry it exactly when the request did.
public struct MajordomoFraming: Sendable, Hashable {
    public var role: MajordomoRole
    public var dialect: MajordomoDialect
    /// Whether the message started with an empty frame (before the header).
    public var hasEmptyDelimiter: Bool

    public init(role: MajordomoRole, dialect: MajordomoDialect, hasEmptyDelimiter: Bool) {
        self.role = role
        self.dialect = dialect
        self.hasEmptyDelimiter = hasEmptyDelimiter
    }

    /// Whether these frames (after the ROUTER identity) start with a Majordomo header, after an optional
    /// empty frame. Cheap; meant for routing a control-socket message to this codec or to another protocol.
    public static func isMajordomo(_ frames: ArraySlice<[UInt8]>) -> Bool {
        var index = frames.startIndex
        if index < frames.endIndex, frames[index].isEmpty { index += 1 }
        guard index < frames.endIndex else { return false }
        return MajordomoWire.headers.contains(frames[index])
    }

    public static func isMajordomo(_ frames: [[UInt8]]) -> Bool { isMajordomo(frames[...]) }

    /// Applies the detection rule (see the type's documentation) to the frames after the ROUTER identity.
    public static func detect(_ frames: ArraySlice<[UInt8]>) throws(MajordomoError) -> MajordomoFraming {
        var reader = FrameReader(frames)
        let delimited = reader.skipEmptyDelimiter()
        if reader.isAtEnd { throw delimited ? .missingHeader : .noFrames }
        let header = reader.next()!
        switch header {
        case MajordomoWire.mdp01.clientHeader:
            return MajordomoFraming(role: .client, dialect: .mdp01, hasEmptyDelimiter: delimited)
        case MajordomoWire.mdp01.workerHeader:
            guard delimited else { throw .missingLeadingEmptyFrame(.mdp01) }
            return MajordomoFraming(role: .worker, dialect: .mdp01, hasEmptyDelimiter: true)
        case MajordomoWire.mdp02.workerHeader:
            return MajordomoFraming(role: .worker, dialect: delimited ? .majortomo : .mdp02, hasEmptyDelimiter: delimited)
        case MajordomoWire.mdp02.clientHeader:
            let byte = try reader.commandByte()
            if MajordomoWire.mdp02.clientCommand(for: byte) == .request {
                return MajordomoFraming(role: .client, dialect: .mdp02, hasEmptyDelimiter: delimited)
            }
            if MajordomoWire.majortomo.clientCommand(for: byte) == .request {
                return MajordomoFraming(role: .client, dialect: .majortomo, hasEmptyDelimiter: delimited)
            }
            // A reply command (PARTIAL or FINAL in either table) travelling towards the broker.
            let dialect: MajordomoDialect = delimited ? .majortomo : .mdp02
            if let command = dialect.wire.clientCommand(for: byte) {
                throw .unexpectedCommand(command, dialect: dialect, role: .client)
            }
            throw .unknownCommand(byte, role: .client, dialects: [.mdp02, .majortomo])
        default:
            throw .unknownHeader(MajordomoError.clip(header))
        }
    }

    public static func detect(_ frames: [[UInt8]]) throws(MajordomoError) -> MajordomoFraming { try detect(frames[...]) }
}

/// A cursor over frames; every read is bounds-checked.
struct FrameReader {
    private let frames: ArraySlice<[UInt8]>
    private var index: Int

    init(_ frames: ArraySlice<[UInt8]>) {
        self.frames = frames
        self.index = frames.startIndex
    }

    var isAtEnd: Bool { index >= frames.endIndex }
    var remainingCount: Int { max(0, frames.endIndex - index) }

    mutating func next() -> [UInt8]? {
        guard index < frames.endIndex else { return nil }
        defer { index += 1 }
        return frames[index]
    }

    /// Skips one leading empty frame; returns whether there was one.
    mutating func skipEmptyDelimiter() -> Bool {
        guard index < frames.endIndex, frames[index].isEmpty else { return false }
        index += 1
        return true
    }

    mutating func require(_ name: String) throws(MajordomoError) -> [UInt8] {
        guard let frame = next() else { throw .missingFrame(name) }
        return frame
    }

    /// The one-byte command frame.
    mutating func commandByte() throws(MajordomoError) -> UInt8 {
        let frame = try require("command")
        guard frame.count == 1 else { throw .malformedCommandFrame(MajordomoError.clip(frame)) }
        return frame[0]
    }

    mutating func header(_ expected: [UInt8]) throws(MajordomoError) {
        let frame = try require("header")
        guard frame == expected else {
            if MajordomoWire.headers.contains(frame) {
                throw .unexpectedHeader(expected: expected, found: frame)
            }
            throw .unknownHeader(MajordomoError.clip(frame))
        }
    }

    mutating func serviceName() throws(MajordomoError) -> String {
        try MajordomoServiceName.decode(try require("service name"))
    }

    /// `client address, empty` as in REQUEST, REPLY, PARTIAL and FINAL.
    mutating func clientEnvelope() throws(MajordomoError) -> [UInt8] {
        let address = try require("client address")
        guard !address.isEmpty else { throw .emptyClientAddress }
        let delimiter = try require("empty frame after the client address")
        guard delimiter.isEmpty else { throw .missingEnvelopeDelimiter(MajordomoError.clip(delimiter)) }
        return address
    }

    /// All remaining frames, at least one.
    mutating func body(of command: MajordomoCommand) throws(MajordomoError) -> [[UInt8]] {
        guard !isAtEnd else { throw .emptyBody(command) }
        let rest = Array(frames[index...])
        index = frames.endIndex
        return rest
    }

    /// Fails if frames are left.
    func end(of command: MajordomoCommand) throws(MajordomoError) {
        guard isAtEnd else { throw .unexpectedFrames(command, count: remainingCount) }
    }
}

/// Service names: a non-empty "printable string" (RFCs 7 and 18), taken here as UTF-8 without control characters.
public enum MajordomoServiceName {
    public static func decode(_ frame: [UInt8]) throws(MajordomoError) -> String {
        guard !frame.isEmpty else { throw .emptyServiceName }
        guard let name = String(validating: frame, as: UTF8.self) else {
            throw .invalidServiceName("not valid UTF-8: \(MajordomoError.show(frame))")
        }
        try validate(name)
        return name
    }

    public static func validate(_ name: String) throws(MajordomoError) {
        guard !name.isEmpty else { throw .emptyServiceName }
        if let bad = name.unicodeScalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw .invalidServiceName(
                "control character U+\(String(bad.value, radix: 16, uppercase: true)) in \(name.debugDescription)")
        }
    }

    static func encode(_ name: String) throws(MajordomoError) -> [UInt8] {
        try validate(name)
        return Array(name.utf8)
    }
}
