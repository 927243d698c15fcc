import HTTPTypes
import Hummingbird

/// Server-Sent Events framing (the WHATWG `text/event-stream` format): `event:`, `id:`, one `data:` line
/// per line of the data, a blank line; comments start with `:`.
enum SSE {
    /// One event's bytes.
    static func format(event: String?, id: String?, data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        if let event { out += Array("event: \(sanitize(event))\n".utf8) }
        if let id { out += Array("id: \(sanitize(id))\n".utf8) }
        // A data line ends at CR or LF: split there, so that the data cannot start a field of its own.
        var line: [UInt8] = []
        var lines: [[UInt8]] = []
        var previousCR = false
        for byte in data {
            if byte == 10, previousCR {
                previousCR = false
                continue
            }
            previousCR = byte == 13
            if byte == 10 || byte == 13 {
                lines.append(line)
                line = []
            } else {
                line.append(byte)
            }
        }
        lines.append(line)
        for line in lines { out += Array("data: ".utf8) + line + [10] }
        out.append(10)
        return out
    }

    /// A comment line (`: heartbeat`), which EventSource ignores and which keeps proxies from timing out.
    static func formatComment(_ text: String) -> [UInt8] {
        Array(": \(sanitize(text))\n\n".utf8)
    }

    static func event(_ event: String?, id: String?, data: [UInt8]) -> ByteBuffer {
        ByteBuffer(bytes: format(event: event, id: id, data: data))
    }

    static func comment(_ text: String) -> ByteBuffer {
        ByteBuffer(bytes: formatComment(text))
    }

    /// The response headers of a stream: no caching, no proxy buffering.
    static func response(_ body: ResponseBody) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: body)
    }

    private static func sanitize(_ text: String) -> String {
        String(text.filter { $0 != "\n" && $0 != "\r" })
    }
}
