import Foundation

/// CurveZMQ public keys as topology.yaml gives them: inline (`public_key:`) or in a file
/// (`public_key_file:`, as `plexus keygen` writes it: one Z85 key on a line).
enum CurveKeyText {
    /// Whether `text` has the form of a Z85 key: 40 characters of the Z85 alphabet (ZeroMQ RFC 32).
    static func isKey(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { alphabet.contains($0) }
    }

    private static let alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    /// A path from the file made absolute against the topology's directory.
    static func resolve(_ path: String, baseDirectory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// The public key of `map` (`public_key:` or `public_key_file:`, not both); nil when neither is there.
    /// `path` names the entry in errors.
    static func parsePublicKey(
        _ map: [String: Any], path: String, baseDirectory: String, fail: (String, String) -> TopologyError
    ) throws(TopologyError) -> String? {
        switch (map["public_key"], map["public_key_file"]) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw fail("\(path)public_key", "give public_key or public_key_file, not both")
        case (let inline?, nil):
            guard let text = inline as? String, isKey(text) else {
                throw fail("\(path)public_key", "must be a CURVE public key: 40 Z85 characters (plexus keygen NAME prints one)")
            }
            return text
        case (nil, let file?):
            guard let name = file as? String, !name.isEmpty else { throw fail("\(path)public_key_file", "must be a file path") }
            let resolved = resolve(name, baseDirectory: baseDirectory)
            guard let contents = try? String(contentsOfFile: resolved, encoding: .utf8) else {
                throw fail("\(path)public_key_file", "cannot read \(resolved)")
            }
            let key = contents.trimmingCharacters(in: .whitespacesAndNewlines)
            guard isKey(key) else {
                throw fail("\(path)public_key_file", "\(resolved) does not hold a CURVE public key (40 Z85 characters)")
            }
            return key
        }
    }
}
