/// Why the supervisor refused a lifecycle command (`START`, `STOP`, `RESTART`, `UPGRADE`, `RELOAD`).
///
/// A struct wrapping a private code enum, as swift-service-lifecycle's errors are, so that cases can be
/// added without breaking callers. It records the message for the operator and where it was thrown.
/// The broker turns it into a protocol error at its boundary; the supervisor knows nothing of the wire.
///
/// ```swift
/// do {
///     actions = try supervisor.startPlugin("greeter", now: now)
/// } catch {
///     // error is a SupervisorError: .notFound, "no plugin named 'greeter' in the topology"
///     print(error.code, error.message)
/// }
/// ```
public struct SupervisorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of refusal.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case notFound
            case conflict
            case unavailable
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// No plugin of that name.
        public static let notFound = Code(.notFound)
        /// The plugin exists but the command cannot apply to it now (attached, no command, not running,
        /// in conflict with a running plugin, an upgrade already under way).
        public static let conflict = Code(.conflict)
        /// The supervisor takes no such command any more (the broker is shutting down).
        public static let unavailable = Code(.unavailable)

        public var description: String {
            switch base {
            case .notFound: "not found"
            case .conflict: "conflict"
            case .unavailable: "unavailable"
            }
        }
    }

    /// The kind of refusal.
    public let code: Code
    /// A sentence for the operator, shown as it is by the CLI.
    public let message: String
    /// Where the error was thrown.
    public let file: String
    public let line: Int

    private init(_ code: Code, _ message: String, file: String, line: Int) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// No plugin of that name.
    public static func notFound(_ message: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.notFound, message, file: file, line: line)
    }

    /// The command cannot apply to the plugin now.
    public static func conflict(_ message: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.conflict, message, file: file, line: line)
    }

    /// The supervisor takes no such command any more.
    public static func unavailable(_ message: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.unavailable, message, file: file, line: line)
    }

    public var description: String { message }
}
