import Foundation
import PlexusClient
import PlexusProtocol

/// An event as the HTTP API shows it: topic, meta, and the payload as JSON when it is JSON, else as a
/// string when it is UTF-8, else base64 (`payload_encoding` says which).
public struct EventJSON: Encodable, Sendable, Equatable {
    public var topic: String
    public var seq: UInt64
    public var prev: UInt64?
    public var epoch: String?
    /// µs since the Unix epoch.
    public var time: Int64
    public var source: String
    public var headers: [String: String]
    public var payload: JSONValue
    /// `json`, `text` or `base64`.
    public var payloadEncoding: String

    public init(_ event: ReceivedEvent) {
        topic = event.topic
        seq = event.meta.seq
        prev = event.meta.prev
        epoch = event.meta.epoch
        time = event.meta.time
        source = event.meta.source
        headers = event.meta.headers
        (payload, payloadEncoding) = Self.payload(event.payload)
    }

    /// How a payload shows: JSON as itself, UTF-8 text as a string, other bytes in base64.
    static func payload(_ bytes: [UInt8]) -> (JSONValue, String) {
        if let first = bytes.first(where: { ![9, 10, 13, 32].contains($0) }),
            [UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\"")].contains(first) || bytes.count < 64,
            let value = try? JSONCoding.decode(JSONValue.self, from: bytes, what: "payload")
        {
            return (value, "json")
        }
        if let text = String(validating: bytes, as: UTF8.self) { return (.string(text), "text") }
        return (.string(Data(bytes).base64EncodedString()), "base64")
    }

    enum CodingKeys: String, CodingKey {
        case topic, seq, prev, epoch, time, source, headers, payload
        case payloadEncoding = "payload_encoding"
    }
}

/// The body of `POST /api/v1/events`: `{"topic": "user.created", "payload": {...} | "text", "headers": {...}}`.
struct PublishBody: Decodable {
    var topic: String
    var payload: JSONValue?
    var headers: [String: String]?

    /// The bytes to publish: a string as its UTF-8, anything else as its JSON.
    var payloadBytes: [UInt8] {
        switch payload {
        case nil, .null?: []
        case .string(let text)?: Array(text.utf8)
        case let value?: JSONCoding.encode(value)
        }
    }
}
