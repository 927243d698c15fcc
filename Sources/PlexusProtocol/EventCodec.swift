/// Encoding and decoding of event frames (docs/PROTOCOL.md, section 5).
///
/// The broker stamps every event, so `writeMeta` is on its hottest path: it writes the JSON by hand into
/// a reused buffer instead of going through `JSONEncoder` (which allocates and costs microseconds).
public enum EventCodec {
    /// The most frames an inbound event may have: topic, payload, headers.
    public static let maxInboundFrames = 3
    /// The largest headers frame accepted (bytes).
    public static let maxHeaderBytes = 16 * 1024

    /// Validates a topic frame and returns it as a string.
    public static func decodeTopic(_ frame: [UInt8]) throws(ProtocolError) -> String {
        try frame.withUnsafeBytes { Topic.parse($0) }.get()
    }

    /// Decodes a headers frame: a JSON object of string → string. An empty frame means no headers.
    public static func decodeHeaders(_ frame: [UInt8]) throws(ProtocolError) -> [String: String] {
        if frame.isEmpty { return [:] }
        guard frame.count <= maxHeaderBytes else {
            throw ProtocolError(.tooLarge, "headers frame exceeds \(maxHeaderBytes) bytes")
        }
        return try JSONCoding.decode([String: String].self, from: frame, what: "headers (a JSON object of strings)")
    }

    /// Splits decoded headers into the publisher's `source` (if any) and the rest.
    /// Whether a publisher may not name itself `source`: the broker's own name and every `plexus.` name,
    /// so that no event can pass for one the broker published.
    public static func isReservedSource(_ source: String) -> Bool {
        source == PlexusConstants.brokerSource || source.hasPrefix("plexus.") || source == "plexus"
    }

    /// Checks a publisher's `source` header: 1–255 bytes, and not reserved.
    public static func sourceProblem(_ source: String) -> String? {
        if source.isEmpty || source.utf8.count > 255 { return "header 'source' must be 1–255 bytes" }
        if isReservedSource(source) { return "header 'source' '\(source)' is reserved for the broker (plexus.…)" }
        return nil
    }

    public static func splitSource(_ headers: [String: String]) -> (source: String?, others: [String: String]) {
        var others = headers
        let source = others.removeValue(forKey: "source")
        return (source, others)
    }

    /// Decodes the META frame a subscriber receives.
    public static func decodeMeta(_ frame: [UInt8]) throws(ProtocolError) -> EventMeta {
        try JSONCoding.decode(EventMeta.self, from: frame, what: "event metadata")
    }

    /// Writes the META frame for an event into `buffer` (replacing its content).
    /// `headersJSON` is an already-encoded JSON object, or `nil` when there are no headers.
    /// `prev` (the previous seq on the topic) and `epoch` are left out when nil (section 10).
    public static func writeMeta(
        into buffer: inout [UInt8], seq: UInt64, prev: UInt64? = nil, time: Int64, epoch: String? = nil,
        source: String, headersJSON: [UInt8]?
    ) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: #"{"seq":"#.utf8)
        appendDecimal(seq, to: &buffer)
        if let prev {
            buffer.append(contentsOf: #","prev":"#.utf8)
            appendDecimal(prev, to: &buffer)
        }
        buffer.append(contentsOf: #","time":"#.utf8)
        appendDecimal(UInt64(clamping: max(0, time)), to: &buffer)
        if let epoch {
            buffer.append(contentsOf: #","epoch":"#.utf8)
            appendJSONString(epoch, to: &buffer)
        }
        buffer.append(contentsOf: #","source":"#.utf8)
        appendJSONString(source, to: &buffer)
        if let headersJSON {
            buffer.append(contentsOf: #","headers":"#.utf8)
            buffer.append(contentsOf: headersJSON)
        }
        buffer.append(UInt8(ascii: "}"))
    }

    static func appendDecimal(_ value: UInt64, to buffer: inout [UInt8]) {
        if value == 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { buffer.append(raw[index]) }
        }
    }

    /// Appends `value` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func appendJSONString(_ value: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        // Ids, topics and times need no escaping: copy them in one go rather than byte by byte.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            buffer.append(contentsOf: value.utf8)
            buffer.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case 0x0A: buffer.append(contentsOf: #"\n"#.utf8)
            case 0x0D: buffer.append(contentsOf: #"\r"#.utf8)
            case 0x09: buffer.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: #"\u00"#.utf8)
                buffer.append(hex[Int(byte >> 4)])
                buffer.append(hex[Int(byte & 0xF)])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
