/// A problem in a topology file, located precisely enough to fix: file, key path, message.
public struct TopologyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file, or `<string>` when parsed from memory.
    public var file: String
    /// Dotted key path, e.g. `plugins.greeter.config`; empty for the whole document.
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)"
    }
}
