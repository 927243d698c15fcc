import Foundation
import PlexusClient
import PlexusProtocol

/// How `subscribe` and `events last` print an event.
struct EventLine: Encodable {
    var topic: String
    var seq: UInt64
    var prev: UInt64?
    var time: String
    var timeMicroseconds: Int64
    var source: String
    var headers: [String: String]?
    var data: String?
    var dataBase64: String?

    init(_ event: ReceivedEvent) {
        topic = event.topic
        seq = event.meta.seq
        prev = event.meta.prev
        timeMicroseconds = event.meta.time
        time = Self.iso8601(microseconds: event.meta.time)
        source = event.meta.source
        headers = event.meta.headers.isEmpty ? nil : event.meta.headers
        if let text = event.text { data = text } else { dataBase64 = Data(event.payload).base64EncodedString() }
    }

    enum CodingKeys: String, CodingKey {
        case topic, seq, prev, time, source, headers, data
        case timeMicroseconds = "time_us"
        case dataBase64 = "data_base64"
    }

    func json() -> String { String(decoding: JSONCoding.encode(self), as: UTF8.self) }

    func text() -> String {
        "[\(seq)] \(time) \(topic) from \(source): " + (data ?? "<\(dataBase64?.count ?? 0) base64 chars>")
    }

    static func iso8601(microseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
        var format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        format.timeZone = .gmt
        return date.formatted(format)
    }
}

/// How `subscribe --json` prints a loss on standard output: `{"lost": {"first": a, "last": b, "reason": …}}`.
struct LossLine: Encodable {
    struct Range: Encodable {
        var first: UInt64
        var last: UInt64
        var reason: String
        var topic: String?
    }

    var lost: Range

    init(_ loss: EventLoss) {
        lost = Range(first: loss.first, last: loss.last, reason: loss.reason, topic: loss.topic)
    }

    func json() -> String { String(decoding: JSONCoding.encode(self), as: UTF8.self) }
}
