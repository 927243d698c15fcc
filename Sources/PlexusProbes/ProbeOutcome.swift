/// What one probe run found.
public struct ProbeOutcome: Sendable, Equatable {
    /// Whether the check passed (exit 0, connection accepted, HTTP 2xx or 3xx).
    public var passed: Bool
    /// What happened, for the instance's health message: "exit 3: disk full", "connection refused",
    /// "timed out after 1000 ms", "HTTP 503".
    public var message: String
    /// How long the run took.
    public var milliseconds: Int64

    public init(passed: Bool, message: String, milliseconds: Int64) {
        self.passed = passed
        self.message = message
        self.milliseconds = milliseconds
    }
}
