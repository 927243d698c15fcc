import Foundation

/// What the CLI knows about its terminal: whether to colour (a TTY, `NO_COLOR` unset, `TERM` not
/// `dumb`, see no-color.org; `PLEXUS_FORCE_COLOR=1` colours a pipe too) and the escape codes it uses. Plain ANSI only, so that tmux and any
/// terminal render it.
enum Terminal {
    enum Style: String {
        case green = "32"
        case red = "31"
        case yellow = "33"
        case dim = "2"
        case bold = "1"
    }

    /// Whether standard output is a terminal.
    static let isTTY = isatty(STDOUT_FILENO) == 1

    /// Whether to colour standard output.
    static let colours: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if let force = environment["PLEXUS_FORCE_COLOR"], !force.isEmpty { return true }
        return isTTY && environment["TERM"] != "dumb"
    }()

    static func paint(_ text: String, _ style: Style) -> String {
        colours ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// The colour of a state (instances, tasks, breakers): green is well, yellow is on the way, red is
    /// wrong, dim is off.
    static func style(forState state: String) -> Style? {
        switch state {
        case "running", "passing", "closed", "succeeded", "pending": .green
        case "starting", "stopping", "backoff", "warning", "half_open", "paused", "retrying": .yellow
        case "failed", "critical", "open", "crashed", "lost", "timed_out": .red
        case "stopped", "completed", "canceled", "skipped": .dim
        default: nil
        }
    }
}

/// Times for people: relative by default (`in 8s`, `3m ago`), absolute with `--absolute`, in a task's
/// own time zone where it has one.
enum TimeText {
    /// `in 8s`, `3m12s ago`, `now`.
    static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = date.timeIntervalSince(now)
        if abs(seconds) < 0.5 { return "now" }
        let span = compact(abs(seconds))
        return seconds > 0 ? "in \(span)" : "\(span) ago"
    }

    /// `8s`, `3m12s`, `1h02m`, `2d03h`: whole seconds, two units at most.
    static func compact(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        return HumanDuration.format(seconds: Double(whole))
    }

    /// `2026-12-02 03:00:00 +01:00` in `zone` (UTC when nil).
    static func absolute(_ date: Date, zone: TimeZone? = nil) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return formatter.string(from: date)
    }

    /// A wire timestamp (RFC 3339) as the user asked: relative, or absolute in `zone`.
    static func describe(_ text: String?, absolute: Bool, zone: TimeZone? = nil, now: Date = Date()) -> String {
        guard let text, let date = parse(text) else { return text ?? "-" }
        return absolute ? Self.absolute(date, zone: zone) : relative(date, now: now)
    }

    /// RFC 3339 with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    /// The time zone of a task's schedule in words (`cron 0 3 * * * (Europe/Paris)`), nil for UTC or none.
    static func zone(ofSchedule schedule: String) -> TimeZone? {
        guard schedule.hasPrefix("cron "), schedule.hasSuffix(")"), let open = schedule.lastIndex(of: "(") else { return nil }
        let name = String(schedule[schedule.index(after: open)..<schedule.index(before: schedule.endIndex)])
        return name == "UTC" ? nil : TimeZone(identifier: name)
    }
}
