/// The error codes of the Plexus protocol (docs/PROTOCOL.md, section 7).
public enum ErrorCode: Int, Sendable, CaseIterable, Codable {
    case badRequest = 400
    case notRegistered = 401
    case forbidden = 403
    case notFound = 404
    case unknownCommand = 405
    case conflict = 409
    case truncated = 410
    case tooLarge = 413
    case unsupportedProtocol = 426
    case `internal` = 500
    case unavailable = 503
    case timeout = 504

    /// The stable machine-readable name sent as `"error"`.
    public var name: String {
        switch self {
        case .badRequest: "bad_request"
        case .notRegistered: "not_registered"
        case .forbidden: "forbidden"
        case .notFound: "not_found"
        case .unknownCommand: "unknown_command"
        case .conflict: "conflict"
        case .truncated: "truncated"
        case .tooLarge: "too_large"
        case .unsupportedProtocol: "unsupported_protocol"
        case .internal: "internal"
        case .unavailable: "unavailable"
        case .timeout: "timeout"
        }
    }
}

/// A protocol-level error: what a decoder throws on malformed input, and what travels in `ERR` replies
/// as `{"code": 404, "error": "not_found", "message": "..."}`.
public struct ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The numeric code; kept as an `Int` so that codes from newer brokers still decode.
    public let code: Int
    /// The machine-readable name (`not_found`).
    public let error: String
    /// A sentence for humans.
    public let message: String
    /// Facts a client acts on, where the code says so (410 `truncated`: `first_seq`, `last_seq`).
    public let details: JSONValue?

    public init(_ code: ErrorCode, _ message: String, details: JSONValue? = nil) {
        self.code = code.rawValue
        self.error = code.name
        self.message = message
        self.details = details
    }

    public init(code: Int, error: String, message: String, details: JSONValue? = nil) {
        self.code = code
        self.error = error
        self.message = message
        self.details = details
    }

    /// The typed code, when it is one this version knows.
    public var knownCode: ErrorCode? { ErrorCode(rawValue: code) }

    public var description: String { "\(error) (\(code)): \(message)" }

    /// A `bad_request` error.
    public static func bad(_ message: String) -> ProtocolError { ProtocolError(.badRequest, message) }
}

extension ProtocolError: Codable {
    enum CodingKeys: String, CodingKey { case code, error, message, details }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(Int.self, forKey: .code)
        error = try container.decodeIfPresent(String.self, forKey: .error) ?? "error"
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
        details = try container.decodeIfPresent(JSONValue.self, forKey: .details)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(error, forKey: .error)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(details, forKey: .details)
    }
}
