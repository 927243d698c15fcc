/// Why a PlexusTesting helper gave up: a deadline passed, a process ended too early, the broker never
/// became ready, or a helper was used in a way it does not support.
///
/// Every helper throws it instead of recording a test failure, so that the kit works with any test
/// framework: Swift Testing and XCTest report a thrown error with its message.
///
/// ```swift
/// do {
///     _ = try broker.waitForPlugin("greeter", timeout: 5)
/// } catch let error as PlexusTestingError where error.code == .timeout {
///     print(error.message)  // says what was expected and what was seen instead
/// }
/// ```
public struct PlexusTestingError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is; more kinds may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case timeout, processExited, notReady, usage
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A wait passed its deadline.
        public static let timeout = Code(.timeout)
        /// A process the helper started ended before it did what was waited for.
        public static let processExited = Code(.processExited)
        /// The broker did not write its ready file or did not answer.
        public static let notReady = Code(.notReady)
        /// A helper was called with arguments it cannot work with.
        public static let usage = Code(.usage)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    /// One or a few lines: what was expected and what was seen.
    public let message: String
    /// Where in PlexusTesting the error was made.
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "\(message) [\(code)]" }
}
