import PlexusMajordomo
import Testing

/// Frames from strings, each its UTF-8 bytes ("" is the empty frame).
func frames(_ parts: String...) -> [[UInt8]] { parts.map { Array($0.utf8) } }

/// A frame from a string.
func frame(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Builds frames mixing strings and command bytes.
enum Part: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case text(String)
    case byte(UInt8)

    init(stringLiteral value: String) { self = .text(value) }
    init(integerLiteral value: UInt8) { self = .byte(value) }

    var bytes: [UInt8] {
        switch self {
        case .text(let text): Array(text.utf8)
        case .byte(let byte): [byte]
        }
    }
}

func wire(_ parts: Part...) -> [[UInt8]] { parts.map(\.bytes) }

/// Every decoder, so that tables can name the one a row feeds.
enum Codec: Sendable, Hashable, CustomStringConvertible {
    case inbound
    case client
    case worker
    case brokerCommand
    case reply(MajordomoDialect)

    static let all: [Codec] = [.inbound, .client, .worker, .brokerCommand] + MajordomoDialect.allCases.map { .reply($0) }

    var description: String {
        switch self {
        case .inbound: "MajordomoInbound"
        case .client: "MajordomoClientMessage"
        case .worker: "MajordomoWorkerMessage"
        case .brokerCommand: "MajordomoBrokerCommand"
        case .reply(let dialect): "MajordomoClientReply(\(dialect.rawValue))"
        }
    }

    /// Decodes, then re-encodes what was decoded.
    func roundTrip(_ input: [[UInt8]]) throws(MajordomoError) -> [[UInt8]] {
        switch self {
        case .inbound:
            switch try MajordomoInbound.decode(input) {
            case .client(let message): return try message.encode()
            case .worker(let message): return try message.encode()
            }
        case .client: return try MajordomoClientMessage.decode(input).encode()
        case .worker: return try MajordomoWorkerMessage.decode(input).encode()
        case .brokerCommand: return try MajordomoBrokerCommand.decode(input).encode()
        case .reply(let dialect): return try MajordomoClientReply.decode(input, as: dialect).encode()
        }
    }

    func decodeOnly(_ input: [[UInt8]]) throws(MajordomoError) {
        switch self {
        case .inbound: _ = try MajordomoInbound.decode(input)
        case .client: _ = try MajordomoClientMessage.decode(input)
        case .worker: _ = try MajordomoWorkerMessage.decode(input)
        case .brokerCommand: _ = try MajordomoBrokerCommand.decode(input)
        case .reply(let dialect): _ = try MajordomoClientReply.decode(input, as: dialect)
        }
    }
}

/// Runs `body`, returning the typed error it throws, or nil.
func caught(_ body: () throws(MajordomoError) -> Void) -> MajordomoError? {
    do throws(MajordomoError) {
        try body()
        return nil
    } catch {
        return error
    }
}

/// SplitMix64: a small deterministic generator, so that the fuzz loop is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
