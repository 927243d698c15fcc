import Logging
import PlexusProtocol

/// The plugin's own health (docs/PROTOCOL.md section 4, "Health"): what to send as `HEALTH`, and when.
///
/// Two sources feed it: the `health()` hook, which the runtime calls every `healthInterval`, and
/// `PluginContext.setHealth`, which a plugin calls whenever it likes. The report sent is the worse of
/// their latest answers, so that the default hook (always passing) never hides what `setHealth` said.
/// It is sent when it differs from what the broker holds: nothing before `READY` of a session, then
/// every change; a new session starts `passing`, so after each `WELCOME` a report other than the plain
/// passing one goes out again right after `READY`.
///
/// ```swift
/// session.healthReported(HealthReport(status: .critical, message: "db down"), from: .context)
/// // [.send(.health(...))] once READY went out on this session, else [] (sent after the next READY)
/// ```
extension PluginSession {
    /// Where a health report comes from.
    enum HealthSource: Sendable, Equatable {
        /// The `health()` hook's answer.
        case hook
        /// `PluginContext.setHealth`.
        case context
    }

    /// What a new session starts with, on both sides.
    static let initialHealth = HealthReport(status: .passing)

    /// The report the broker should hold: the worse of the two sources.
    var health: HealthReport { Self.worse(of: hookHealth, contextHealth) }

    /// The runtime says the plugin is ready: `READY`, then the current report if the session's broker
    /// does not hold it yet. Outside an active session (lost while the plugin started) READY still goes
    /// out, as it always did, but health waits for the next one.
    mutating func ready() -> [Action] {
        guard state == .active else { return [.send(.ready)] }
        brokerHealth = Self.initialHealth
        return [.send(.ready)] + sendHealthIfChanged()
    }

    /// A new report from one source. An invalid one is logged and ignored (the source's previous report
    /// stands), so that the broker never answers `ERR` 400 to a report the SDK could have checked.
    mutating func healthReported(_ report: HealthReport, from source: HealthSource) -> [Action] {
        if let problem = Self.problem(with: report) {
            return [.log(.error, "ignoring an invalid health report", ["error": "\(problem)"])]
        }
        switch source {
        case .hook: hookHealth = report
        case .context: contextHealth = report
        }
        return sendHealthIfChanged()
    }

    /// `HEALTH` when the report differs from what the broker holds (nothing before READY).
    private mutating func sendHealthIfChanged() -> [Action] {
        let report = health
        guard let held = brokerHealth, held != report else { return [] }
        if let problem = Self.problem(with: report) {
            return [.log(.error, "health report not sent", ["error": "\(problem)"])]
        }
        brokerHealth = report
        return [.send(.health(report))]
    }

    /// Why the broker would refuse `report`, or nil.
    static func problem(with report: HealthReport) -> String? {
        do throws(ProtocolError) {
            try report.validate()
        } catch {
            return error.message
        }
        let size = JSONCoding.encode(report).count
        return size > HealthReport.maxFrameBytes ? "HEALTH frame of \(size) bytes exceeds \(HealthReport.maxFrameBytes)" : nil
    }

    /// The worse of two reports: the worse status, the worse one's message (both when equally bad),
    /// and all checks (the worse of two of the same name).
    static func worse(of first: HealthReport, _ second: HealthReport) -> HealthReport {
        var checks = first.checks
        for (name, check) in second.checks where checks[name].map({ check.status >= $0.status }) ?? true {
            checks[name] = check
        }
        let status = max(first.status, second.status)
        let messages: [String]
        if first.status == second.status {
            messages = [first.message, second.message]
        } else {
            messages = [first.status > second.status ? first.message : second.message]
        }
        var seen = Set<String>()
        let message = messages.filter { !$0.isEmpty && seen.insert($0).inserted }.joined(separator: "; ")
        return HealthReport(status: status, message: message, checks: checks)
    }
}
