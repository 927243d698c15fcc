/// One captured line of a supervised plugin's output, as `LOGS` reports it.
public struct LogLine: Codable, Sendable, Equatable {
    /// The stream a line came from.
    public enum Stream: String, Codable, Sendable, Equatable { case stdout, stderr }

    /// Increases by one per captured line across all plugins; `LOGS` pages by it.
    public var seq: UInt64
    /// µs since the Unix epoch.
    public var time: Int64
    /// The instance that wrote it (`greeter-1`).
    public var instance: String
    public var stream: Stream
    /// The text, without its newline (lines over 64 KiB are split).
    public var line: String
    /// The plugin's name in the topology (absent from older brokers).
    public var plugin: String?

    public init(seq: UInt64, time: Int64, instance: String, stream: Stream, line: String, plugin: String? = nil) {
        self.seq = seq
        self.time = time
        self.instance = instance
        self.stream = stream
        self.line = line
        self.plugin = plugin
    }
}

/// The body of a `LOGS` reply.
public struct LogsReply: Codable, Sendable, Equatable {
    public var lines: [LogLine]
    /// Pass as `SINCE` to get the lines after these.
    public var next: UInt64

    public init(lines: [LogLine], next: UInt64) {
        self.lines = lines
        self.next = next
    }
}
