import Logging

/// Counts bad input by kind and logs it without letting a flood of garbage flood the log:
/// at most `burst` lines per kind per window, then one summary line when the window closes.
struct BadInputLog {
    private(set) var counts: [String: UInt64] = [:]
    private var loggedInWindow: [String: Int] = [:]
    private var suppressedInWindow: [String: Int] = [:]
    private var windowStart: Int64 = 0
    let burst = 10
    let windowMilliseconds: Int64 = 10_000

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
            logger.warning("\(label): \(message())", metadata: metadata)
        } else {
            suppressedInWindow[kind, default: 0] += 1
        }
    }

    mutating func rollWindow(now: Int64, logger: Logger) {
        guard now - windowStart >= windowMilliseconds else { return }
        for (kind, count) in suppressedInWindow where count > 0 {
            logger.warning("bad input: \(count) more messages not logged", metadata: ["kind": "\(kind)"])
        }
        suppressedInWindow.removeAll()
        loggedInWindow.removeAll()
        windowStart = now
    }
}
