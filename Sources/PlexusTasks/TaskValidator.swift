import Foundation
import PlexusSchedule

/// The parts of a definition that need parsing, checked once and kept ready for use.
struct CompiledTask: Sendable {
    let schedule: Schedule
    let target: TaskTarget
    let concurrency: ConcurrencyPolicy
    let misfire: MisfirePolicy
}

/// Checks a `TaskDefinition` and compiles it; every rejection is a `TaskError` naming the field.
///
/// Every number is range-checked before anything converts or adds it, whoever produced the
/// definition (YAML, JSON, a database row, Swift code), so that no arithmetic on it can trap:
///
/// | field | range |
/// |---|---|
/// | `every` | 1 s … 10 years |
/// | `after`, `timeout`, `retry_backoff`, `starting_deadline` | above 0 … 10 years |
/// | `retry_backoff_max` | `retry_backoff` … 10 years |
/// | `retries` | 0 … 1,000 |
/// | `max_runs` | 1 … 2^31 |
/// | `at`, `start_at`, `end_at` | 1970-01-01 … 9999-12-31 (UTC) |
///
/// Ten years is 3,650 days (315,360,000 s). Text fields are bounded too (`maxTextLength`), and
/// a rejected value is quoted shortened, so that an error never echoes a huge value.
public enum TaskValidator {
    static let maxIDLength = 64
    /// The longest duration of any field, in seconds: 10 years of 365 days.
    public static let maxDurationSeconds: TimeInterval = 3_650 * 86_400
    /// The most retries after a failed run.
    public static let maxRetries = 1_000
    /// The largest `max_runs`.
    public static let maxRunsLimit = 1 << 31
    /// Dates (`at`, `start_at`, `end_at`) lie between the Unix epoch and the end of year 9999.
    public static let dateRange: ClosedRange<TimeInterval> = 0...253_402_300_799
    /// The longest cron expression, time zone, policy, service, topic or plugin name, in bytes.
    public static let maxTextLength = 255

    /// Validates everything. `now` is only used for checks that depend on time (a `once` in the
    /// past, a window already over); pass nil when restoring a persisted task.
    static func compile(_ def: TaskDefinition, now: Date?) throws(TaskError) -> CompiledTask {
        try checkID(def.id)
        // Numbers first: the schedule's compilation converts durations.
        try checkLimits(def)
        let schedule = try compileSchedule(def, now: now)
        let target = try compileTarget(def.target, id: def.id)
        guard let concurrency = ConcurrencyPolicy(rawValue: def.concurrency) else {
            throw TaskError(
                .invalidPolicy,
                "task '\(def.id)': unknown concurrency '\(quoted(def.concurrency))' (expected allow, forbid or replace)")
        }
        guard let misfire = MisfirePolicy(rawValue: def.misfire) else {
            throw TaskError(
                .invalidPolicy, "task '\(def.id)': unknown misfire '\(quoted(def.misfire))' (expected skip or run_once)")
        }
        try checkWindow(def, now: now)
        return CompiledTask(schedule: schedule, target: target, concurrency: concurrency, misfire: misfire)
    }

    static func checkID(_ id: String) throws(TaskError) {
        guard !id.isEmpty else { throw TaskError(.invalidID, "task id is empty") }
        guard id.count <= maxIDLength else {
            throw TaskError(.invalidID, "task id '\(id.prefix(20))…' is longer than \(maxIDLength) characters")
        }
        // Run ids are "<task>#<n>"; restricting ids keeps them unambiguous and safe in topics and logs.
        let allowed = id.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
        }
        guard allowed else {
            throw TaskError(.invalidID, "task id '\(id)' may only contain letters, digits, '.', '_' and '-'")
        }
    }

    private static func compileSchedule(_ def: TaskDefinition, now: Date?) throws(TaskError) -> Schedule {
        let spec = def.schedule
        let id = def.id
        let given = [spec.cron != nil, spec.every != nil, spec.at != nil, spec.after != nil].filter { $0 }.count
        guard given == 1 else {
            throw TaskError(.invalidSchedule, "task '\(id)': schedule needs exactly one of cron, every, at, after (got \(given))")
        }
        if spec.timeZone != nil, spec.cron == nil {
            throw TaskError(.invalidSchedule, "task '\(id)': time_zone only applies to a cron schedule")
        }
        try checkText(spec.cron, "cron", id: id, kind: .invalidSchedule)
        try checkText(spec.timeZone, "time_zone", id: id, kind: .invalidSchedule)
        do {
            if let cron = spec.cron {
                return try Schedule.cron(cron, timeZone: spec.timeZone ?? "UTC")
            }
            if let every = spec.every {
                guard every.isFinite, every >= 1 else {
                    throw TaskError(.invalidSchedule, "task '\(id)': every \(every)s must be at least 1 second")
                }
                try checkDuration(every, "every", id: id, kind: .invalidSchedule)
                // An interval with a start_at runs on the grid start_at + k × every.
                return try Schedule.interval(every: .seconds(every), start: def.startAt)
            }
            if let after = spec.after {
                guard after.isFinite, after > 0 else {
                    throw TaskError(.invalidSchedule, "task '\(id)': after \(after)s must be positive")
                }
                try checkDuration(after, "after", id: id, kind: .invalidSchedule)
                return try Schedule.once(after: .seconds(after))
            }
            if let at = spec.at {
                try checkDate(at, "at", id: id, kind: .invalidSchedule)
                if let now, at <= now {
                    throw TaskError(.invalidSchedule, "task '\(id)': once-at \(at) is not in the future")
                }
                return Schedule.once(at: at)
            }
        } catch let error as ScheduleError {
            throw TaskError(.invalidSchedule, "task '\(id)': \(error.message)")
        } catch let error as TaskError {
            throw error
        } catch {
            throw TaskError(.invalidSchedule, "task '\(id)': \(error)")
        }
        throw TaskError(.invalidSchedule, "task '\(id)': empty schedule")  // unreachable: given == 1
    }

    private static func compileTarget(_ spec: TargetSpec, id: String) throws(TaskError) -> TaskTarget {
        try checkText(spec.service, "service", id: id, kind: .invalidTarget)
        try checkText(spec.topic, "topic", id: id, kind: .invalidTarget)
        try checkText(spec.plugin, "plugin", id: id, kind: .invalidTarget)
        try checkText(spec.fanOut, "fan_out", id: id, kind: .invalidPolicy)
        switch (spec.service, spec.topic) {
        case (let service?, nil):
            try checkName(service, what: "service", id: id)
            let raw = spec.fanOut ?? FanOut.one.rawValue
            guard let fanOut = FanOut(rawValue: raw) else {
                throw TaskError(.invalidPolicy, "task '\(id)': unknown fan_out '\(raw)' (expected one or all)")
            }
            if let plugin = spec.plugin {
                let tokens = plugin.split(separator: ".", omittingEmptySubsequences: false)
                let valid =
                    !plugin.isEmpty && tokens.allSatisfy { !$0.isEmpty }
                    && plugin.unicodeScalars.allSatisfy {
                        $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
                    }
                guard valid else {
                    throw TaskError(
                        .invalidTarget, "task '\(id)': plugin '\(plugin)' is not a plugin name or type ([A-Za-z0-9_.-])")
                }
            }
            return .service(service, fanOut: fanOut, plugin: spec.plugin)
        case (nil, let topic?):
            try checkName(topic, what: "topic", id: id)
            if spec.fanOut != nil || spec.plugin != nil {
                throw TaskError(.invalidTarget, "task '\(id)': fan_out and plugin only apply to a service target")
            }
            return .topic(topic)
        default:
            throw TaskError(.invalidTarget, "task '\(id)': target needs exactly one of service or topic")
        }
    }

    /// Topic rules from PROTOCOL.md: dot-separated non-empty tokens, no wildcards; `mmi.` and
    /// `plexus.` belong to the broker.
    private static func checkName(_ name: String, what: String, id: String) throws(TaskError) {
        let tokens = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, tokens.allSatisfy({ !$0.isEmpty }) else {
            throw TaskError(.invalidTarget, "task '\(id)': \(what) '\(name)' must be dot-separated non-empty tokens")
        }
        guard !name.contains("*"), !name.contains(">"), !name.contains(where: \.isWhitespace) else {
            throw TaskError(.invalidTarget, "task '\(id)': \(what) '\(name)' may not contain wildcards or spaces")
        }
        if name.hasPrefix("mmi.") || name.hasPrefix("plexus.") {
            throw TaskError(.invalidTarget, "task '\(id)': \(what) '\(name)' is reserved (mmi./plexus.)")
        }
    }

    private static func checkLimits(_ def: TaskDefinition) throws(TaskError) {
        let id = def.id
        guard def.timeout.isFinite, def.timeout > 0 else {
            throw TaskError(.invalidLimit, "task '\(id)': timeout \(def.timeout)s must be positive")
        }
        try checkDuration(def.timeout, "timeout", id: id)
        guard (0...maxRetries).contains(def.retries) else {
            throw TaskError(.invalidLimit, "task '\(id)': retries \(def.retries) must be from 0 to \(maxRetries)")
        }
        guard def.retryBackoff.isFinite, def.retryBackoff > 0 else {
            throw TaskError(.invalidLimit, "task '\(id)': retry_backoff \(def.retryBackoff)s must be positive")
        }
        try checkDuration(def.retryBackoff, "retry_backoff", id: id)
        guard def.retryBackoffMax.isFinite, def.retryBackoffMax >= def.retryBackoff else {
            throw TaskError(
                .invalidLimit,
                "task '\(id)': retry_backoff_max \(def.retryBackoffMax)s must be at least retry_backoff \(def.retryBackoff)s")
        }
        try checkDuration(def.retryBackoffMax, "retry_backoff_max", id: id)
        if let maxRuns = def.maxRuns, !(1...maxRunsLimit).contains(maxRuns) {
            throw TaskError(.invalidLimit, "task '\(id)': max_runs \(maxRuns) must be from 1 to \(maxRunsLimit)")
        }
        if let deadline = def.startingDeadline {
            guard deadline.isFinite, deadline > 0 else {
                throw TaskError(.invalidLimit, "task '\(id)': starting_deadline \(deadline)s must be positive")
            }
            try checkDuration(deadline, "starting_deadline", id: id)
        }
        try checkDate(def.startAt, "start_at", id: id, kind: .invalidWindow)
        try checkDate(def.endAt, "end_at", id: id, kind: .invalidWindow)
    }

    /// A duration (already known to be finite and positive) of at most 10 years.
    private static func checkDuration(
        _ seconds: TimeInterval, _ field: String, id: String, kind: TaskError.Kind = .invalidLimit
    ) throws(TaskError) {
        guard seconds <= maxDurationSeconds else {
            throw TaskError(
                kind,
                "task '\(id)': \(field) \(seconds)s is longer than 10 years (at most \(Int(maxDurationSeconds))s)")
        }
    }

    private static func checkDate(_ date: Date?, _ field: String, id: String, kind: TaskError.Kind) throws(TaskError) {
        guard let date else { return }
        guard dateRange.contains(date.timeIntervalSince1970) else {
            throw TaskError(
                kind, "task '\(id)': \(field) \(date.timeIntervalSince1970)s since 1970 is outside 1970-01-01 to 9999-12-31")
        }
    }

    private static func checkText(_ text: String?, _ field: String, id: String, kind: TaskError.Kind) throws(TaskError) {
        guard let text, text.utf8.count > maxTextLength else { return }
        throw TaskError(kind, "task '\(id)': \(field) '\(quoted(text))' is longer than \(maxTextLength) bytes")
    }

    /// Instants a restored runtime may hold: years 1 to 9999, as the schedule arithmetic supports.
    static let runtimeDateRange: ClosedRange<TimeInterval> = -62_135_596_800...253_402_300_799

    /// Checks the dates of a runtime read back from a database, before any of them is converted
    /// (event times, run headers, wakeups): a damaged or hand-edited row is refused, not trapped on.
    static func checkRuntime(_ runtime: TaskRuntime, id: String) throws(TaskError) {
        func check(_ date: Date?, _ field: String) throws(TaskError) {
            guard let date, !runtimeDateRange.contains(date.timeIntervalSince1970) else { return }
            throw TaskError(
                .invalidState,
                "task '\(id)': stored \(field) \(date.timeIntervalSince1970)s since 1970 is outside the years 1-9999")
        }
        try check(runtime.reference, "reference")
        try check(runtime.nextFire, "next_fire")
        try check(runtime.lastFire, "last_fire")
        for run in runtime.activeRuns {
            try check(run.scheduledAt, "active_runs.scheduled_at")
            try check(run.startedAt, "active_runs.started_at")
            try check(run.deadline, "active_runs.deadline")
        }
        for retry in runtime.pendingRetries {
            try check(retry.scheduledAt, "pending_retries.scheduled_at")
            try check(retry.dueAt, "pending_retries.due_at")
        }
        for run in runtime.history {
            try check(run.scheduledAt, "history.scheduled_at")
            try check(run.startedAt, "history.started_at")
            try check(run.finishedAt, "history.finished_at")
        }
    }

    /// A value for an error message: at most 40 characters of it.
    static func quoted(_ text: String) -> String {
        text.count <= 40 ? text : "\(text.prefix(40))…"
    }

    private static func checkWindow(_ def: TaskDefinition, now: Date?) throws(TaskError) {
        if let start = def.startAt, let end = def.endAt, end <= start {
            throw TaskError(.invalidWindow, "task '\(def.id)': end_at \(end) is not after start_at \(start)")
        }
        if let end = def.endAt, let now, end <= now {
            throw TaskError(.invalidWindow, "task '\(def.id)': end_at \(end) is already past")
        }
    }
}
