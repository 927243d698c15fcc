import Foundation
import PlexusProtocol
import PlexusTasks

/// The JSON of `plexus.task.*` events, written by hand: a burst of a thousand fires publishes two
/// thousand of them, and `JSONEncoder` with a date formatter costs tens of microseconds each.
///
/// `{"attempt":1,"reason":null,"retry_at":null,"run_id":"t#3","scheduled_at":"2026-11-21T16:30:00.000Z","task_id":"t"}`
/// (keys sorted, absent values `null`, times RFC 3339 UTC with milliseconds, as in `TASKS` replies).
enum TaskEventEncoder {
    static func encode(_ event: TaskEvent) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + (event.reason?.utf8.count ?? 0))
        out.append(contentsOf: #"{"attempt":"#.utf8)
        out.append(contentsOf: (event.attempt.map(String.init) ?? "null").utf8)
        out.append(contentsOf: #","reason":"#.utf8)
        appendString(event.reason, to: &out)
        out.append(contentsOf: #","retry_at":"#.utf8)
        appendString(event.retryAt.map(rfc3339), to: &out)
        out.append(contentsOf: #","run_id":"#.utf8)
        appendString(event.runID, to: &out)
        out.append(contentsOf: #","scheduled_at":"#.utf8)
        appendString(event.scheduledAt.map(rfc3339), to: &out)
        out.append(contentsOf: #","task_id":"#.utf8)
        appendString(event.taskID, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func appendString(_ text: String?, to out: inout [UInt8]) {
        if let text { EventCodec.appendJSONString(text, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    /// `2026-11-21T16:30:00.123Z`, with `gmtime_r` rather than a formatter.
    static func rfc3339(_ date: Date) -> String {
        // Clamped to the years 1-9999 before the conversion, so that no date can trap it.
        let limit = 253_402_300_799_999.0
        let raw = (date.timeIntervalSince1970 * 1000).rounded(.down)
        let milliseconds = raw.isNaN ? 0 : Int64(min(max(raw, -62_135_596_800_000), limit))
        var seconds = time_t(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
        var fraction = milliseconds % 1000
        if fraction < 0 {
            fraction += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }
}
