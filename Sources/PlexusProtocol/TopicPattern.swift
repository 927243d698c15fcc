/// A subscription pattern: a topic whose tokens may be `*` (exactly one token) or, last, `>` (one or
/// more tokens), as in NATS.
///
/// ZeroMQ filters by byte prefix only, so a pattern becomes a ZeroMQ prefix (the literal tokens before the
/// first wildcard) plus a check that the subscriber runs on each event it receives.
///
/// ```swift
/// let pattern = try TopicPattern("user.*")
/// pattern.zmqPrefix           // "user."
/// pattern.matches("user.created")   // true
/// pattern.matches("user.a.b")       // false
/// ```
public struct TopicPattern: Sendable, Hashable, CustomStringConvertible {
    enum Token: Hashable, Sendable {
        case literal(Substring)
        case one
        case rest
    }

    /// The pattern as written.
    public let pattern: String
    let tokens: [Token]
    /// The byte prefix to subscribe to with `ZMQ_SUBSCRIBE`.
    public let zmqPrefix: String

    /// Parses a pattern; throws `bad_request` for empty tokens, `>` not at the end, or bad characters.
    public init(_ pattern: String) throws(ProtocolError) {
        guard !pattern.isEmpty, pattern.utf8.count <= Topic.maxBytes else {
            throw ProtocolError.bad("pattern '\(pattern)' must be 1–\(Topic.maxBytes) bytes")
        }
        let parts = pattern.split(separator: ".", omittingEmptySubsequences: false)
        var tokens: [Token] = []
        for (index, part) in parts.enumerated() {
            switch part {
            case "": throw ProtocolError.bad("pattern '\(pattern)' has an empty token")
            case "*": tokens.append(.one)
            case ">":
                guard index == parts.count - 1 else { throw ProtocolError.bad("'>' must be the last token in '\(pattern)'") }
                tokens.append(.rest)
            default:
                if part.contains("*") || part.contains(">") {
                    throw ProtocolError.bad("wildcards must be whole tokens in '\(pattern)'")
                }
                if part.unicodeScalars.contains(where: { $0.value <= 32 || $0.value == 127 }) {
                    throw ProtocolError.bad("pattern '\(pattern)' contains whitespace or a control character")
                }
                tokens.append(.literal(part))
            }
        }
        self.pattern = pattern
        self.tokens = tokens
        let literalCount = tokens.prefix { if case .literal = $0 { true } else { false } }.count
        if literalCount == tokens.count {
            zmqPrefix = pattern
        } else {
            zmqPrefix = parts.prefix(literalCount).map { "\($0)." }.joined()
        }
    }

    /// Whether the pattern has no wildcard.
    public var isExact: Bool { zmqPrefix == pattern }

    /// Whether `topic` matches the pattern.
    public func matches(_ topic: String) -> Bool {
        if isExact { return topic == pattern }
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        for (index, token) in tokens.enumerated() {
            switch token {
            case .rest: return parts.count > index
            case .one: if index >= parts.count || parts[index].isEmpty { return false }
            case .literal(let literal): if index >= parts.count || parts[index] != literal { return false }
            }
        }
        return parts.count == tokens.count
    }

    public var description: String { pattern }
}
