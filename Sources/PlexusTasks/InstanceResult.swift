/// One instance's answer to a run.
public struct InstanceResult: Codable, Sendable, Equatable {
    /// How an instance's part of a run ended.
    public enum Status: String, Codable, Sendable, Equatable {
        /// It replied.
        case success
        /// It answered with a failure.
        case failure
        /// It did not answer before the run's timeout.
        case timedOut = "timed_out"
    }

    /// How it ended.
    public var status: Status
    /// The failure message, if any.
    public var message: String?

    /// Creates a result.
    public init(_ status: Status, message: String? = nil) {
        self.status = status
        self.message = message
    }

    /// A successful answer.
    public static let success = InstanceResult(.success)

    /// A failed answer with its message.
    public static func failure(_ message: String) -> InstanceResult { InstanceResult(.failure, message: message) }

    /// No answer in time.
    public static let timedOut = InstanceResult(.timedOut, message: "timed out")
}
