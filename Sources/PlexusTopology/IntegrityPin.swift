import Foundation

/// A plugin's `sha256:` (and optional `signature:`): the executable, or for an interpreted plugin the
/// script its command names, must have this digest, else the broker does not launch it.
public struct IntegrityPin: Sendable, Equatable {
    /// 64 lowercase hex digits.
    public var sha256: String
    /// base64 of an ed25519 signature of the 32-byte digest, by one of `security.trusted_keys`.
    public var signature: String?

    public init(sha256: String, signature: String? = nil) {
        self.sha256 = sha256
        self.signature = signature
    }

    /// Interpreters whose first non-option argument is the file that matters (`python3 -u plugin.py`).
    static let interpreters: Set<String> = [
        "python", "python3", "node", "ruby", "perl", "sh", "bash", "dash", "lua", "php",
    ]

    /// Parses `sha256:` and `signature:` of a plugin entry; nil when neither is there.
    static func parse(_ entry: [String: Any], fail: (String, String) -> TopologyError) throws(TopologyError) -> IntegrityPin? {
        guard let raw = entry["sha256"] else {
            if entry["signature"] != nil { throw fail("signature", "needs sha256: (the digest it signs)") }
            return nil
        }
        guard let text = raw as? String, text.utf8.count == 64, text.utf8.allSatisfy({ $0.isHexDigit }) else {
            throw fail("sha256", "must be 64 hex digits (plexus pin NAME prints the line)")
        }
        var pin = IntegrityPin(sha256: text.lowercased())
        if let raw = entry["signature"] {
            guard let text = raw as? String, let bytes = Data(base64Encoded: text), bytes.count == 64 else {
                throw fail("signature", "must be the base64 of a 64-byte ed25519 signature")
            }
            pin.signature = text
        }
        return pin
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

extension PluginSpec {
    /// The file `sha256:` pins: the program (resolved on PATH like a launch), or for an interpreter
    /// (`python3 plugin.py`) its script, resolved against the working directory. Nil when there is
    /// none to pin (no command, a program not found, `python3 -m module`, `sh -c '…'`).
    public func pinnedPath(baseDirectory: String, searchPath: String? = ProcessInfo.processInfo.environment["PATH"])
        -> String?
    {
        guard let program = resolvedProgram(searchPath: searchPath) else { return nil }
        let name = URL(fileURLWithPath: program).lastPathComponent
        let interpreter =
            IntegrityPin.interpreters.contains(name)
            || IntegrityPin.interpreters.contains(where: {
                name.hasPrefix($0) && name.dropFirst($0.count).allSatisfy { "0123456789.".contains($0) }
            })
        guard interpreter else { return program }
        var arguments = command.dropFirst()
        while let first = arguments.first, first.hasPrefix("-") {
            // `-m module`, `-c code`, `-e code`: no file to pin.
            if ["-m", "-c", "-e"].contains(first) { return nil }
            arguments = arguments.dropFirst()
        }
        guard let script = arguments.first else { return nil }
        let directory = workingDirectory ?? baseDirectory
        return URL(fileURLWithPath: script, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL
            .path
    }
}
