import Logging

/// Counts bad input by kind and logs it without letting a flood of garbage flood the log:
/// at most `burst` lines per kind per window, then one summary line when the window closes.
/// The broker keeps two: malformed input (warnings) and client errors such as 404 and 409 (info),
/// which a correct client meets in normal use and an operator should not be alarmed by.
struct BadInputLog {
    private(set) var counts: [String: UInt64] = [:]
    private var loggedInWindow: [String: Int] = [:]
    private var suppressedInWindow: [String: Int] = [:]
    private var windowStart: Int64 = 0
    let burst = 10
    let windowMilliseconds: Int64 = 10_000
    /// The level of the lines: `.warning` for malformed input, lower for ordinary client errors.
    let level: Logger.Level

    init(level: Logger.Level = .warning) {
        self.level = level
    }

    mutating func record(
        _ kind: String, _ message: @autoclosure () -> String, metadata: Logger.Metadata = [:],
        now: Int64, logger: Logger, label: String = "bad input"
    ) {
        counts[kind, default: 0] += 1
        rollWindow(now: now, logger: logger)
        if loggedInWindow[kind, default: 0] < burst {
            loggedInWindow[kind, default: 0] += 1
            var metadata = metadata
            metadata["kind"] = "\(kind)"
            logger.log(level: level, "\(label): \(message())", metadata: metadata)
        } else {
            suppressedInWindow[kind, default: 0] += 1
        }
    }

    mutating func rollWindow(now: Int64, logger: Logger) {
        guard now - windowStart >= windowMilliseconds else { return }
        for (kind, count) in suppressedInWindow where count > 0 {
            logger.log(level: level, "\(count) more \(kind) messages not logged", metadata: ["kind": "\(kind)"])
        }
        suppressedInWindow.removeAll()
        loggedInWindow.removeAll()
        windowStart = now
    }
}
