/// Rules for plugin names and instance ids: `[A-Za-z0-9_.-]{1,128}`, with no empty part between dots
/// (no leading, trailing or double dot), so that `plexus.sync.<instance>` is always a valid topic.
public enum Identifier {
    public static let maxLength = 128

    /// Returns why `value` is not a valid name or instance id, or `nil`.
    public static func validationError(_ value: String, what: String) -> String? {
        if value.isEmpty { return "\(what) is empty" }
        if value.utf8.count > maxLength { return "\(what) is longer than \(maxLength) characters" }
        let allowed = value.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard allowed else { return "\(what) '\(value)' may only contain letters, digits, '_', '-' and '.'" }
        if value.hasPrefix(".") || value.hasSuffix(".") || value.contains("..") {
            return "\(what) '\(value)' must not start or end with '.' or contain '..'"
        }
        return nil
    }
}
