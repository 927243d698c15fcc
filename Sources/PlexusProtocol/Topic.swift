/// Rules for event topics: dot-separated tokens (`user.created`), 1–255 bytes, no empty token,
/// no whitespace, and no wildcard (`*`, `>`) in a published topic.
public enum Topic {
    /// The longest topic accepted, in bytes.
    public static let maxBytes = 255

    /// Checks a topic for publishing; returns the reason it is invalid, or `nil` when it is fine.
    /// Works on raw bytes so the broker can check frames in place without building a `String`.
    public static func validationError(_ bytes: UnsafeRawBufferPointer, checkingUTF8: Bool = true) -> String? {
        if bytes.isEmpty { return "topic is empty" }
        if bytes.count > maxBytes { return "topic is longer than \(maxBytes) bytes" }
        var previous: UInt8 = UInt8(ascii: ".")
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: ".") { return "topic has an empty token" }
            case UInt8(ascii: "*"), UInt8(ascii: ">"):
                return "topic contains a wildcard ('*' or '>')"
            case 0...32, 127:
                return "topic contains whitespace or a control character"
            default: break
            }
            previous = byte
        }
        if previous == UInt8(ascii: ".") { return "topic has an empty token" }
        if checkingUTF8, String(validating: bytes, as: UTF8.self) == nil { return "topic is not UTF-8" }
        return nil
    }

    /// Validates raw topic bytes and returns them as a string: one pass for the checks, one for UTF-8.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<String, ProtocolError> {
        if let problem = validationError(bytes, checkingUTF8: false) { return .failure(.bad(problem)) }
        guard let topic = String(validating: bytes, as: UTF8.self) else { return .failure(.bad("topic is not UTF-8")) }
        return .success(topic)
    }

    /// Whether a topic is reserved for the broker's own events (`plexus.…`). Publishers may not use it,
    /// so that nobody can forge `plexus.mesh.ready` or a lifecycle event; the SDKs' subscription probes
    /// (`plexus.sync.…`) are the one exception.
    public static func isReserved(_ topic: String) -> Bool {
        topic.hasPrefix("plexus.") && !topic.hasPrefix("plexus.sync.")
    }

    /// Whether a topic is one of the SDKs' subscription probes (`plexus.sync.…`), which subscribers of
    /// everything (`>`) receive but people rarely want to see.
    public static func isProbe(_ topic: String) -> Bool { topic.hasPrefix("plexus.sync.") }

    /// Checks a topic given as a string.
    public static func validationError(_ topic: String) -> String? {
        var topic = topic
        return topic.withUTF8 { validationError(UnsafeRawBufferPointer($0)) }
    }
}
