import Foundation
import PlexusClient
import PlexusProtocol

/// A task as `TASKS LIST`/`SHOW` report it, decoded for assertions.
struct LiveTask: Decodable {
    struct Run: Decodable {
        struct Result: Decodable {
            var status: String
            var message: String?
        }
        var runID: String
        var scheduledAt: String
        var startedAt: String
        var finishedAt: String
        var attempt: Int
        var outcome: String
        var error: String?
        var instances: [String: Result]

        enum CodingKeys: String, CodingKey {
            case attempt, outcome, error, instances
            case runID = "run_id"
            case scheduledAt = "scheduled_at"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }

        /// Seconds between start and end.
        var duration: Double { (Self.date(finishedAt) ?? .distantPast).timeIntervalSince(Self.date(startedAt) ?? .distantPast) }

        static func date(_ text: String) -> Date? {
            try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
    }

    var id: String
    var state: String
    var origin: String
    var runCount: Int
    var failureCount: Int
    var nextRun: String?
    var lastError: String?
    var running: [String]
    var history: [Run]?

    enum CodingKeys: String, CodingKey {
        case id, state, origin, running, history
        case runCount = "run_count"
        case failureCount = "failure_count"
        case nextRun = "next_run"
        case lastError = "last_error"
    }
}

extension ControlClient {
    /// `TASKS verb argument`, decoded.
    func tasks<T: Decodable>(_ verb: TaskVerb, _ argument: String? = nil, as type: T.Type = LiveTask.self) throws -> T {
        try request(.tasks(verb, argument: argument), as: type)
    }

    /// `TASKS ADD` with a definition given as a JSON object.
    @discardableResult
    func addTask(_ definition: [String: Any]) throws -> LiveTask {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: definition), as: UTF8.self)
        return try tasks(.add, text)
    }
}

extension BrokerProcess {
    /// Waits until task `id` satisfies `condition` (polling `SHOW`); returns it.
    func waitForTask(_ id: String, timeout: Double = 20, _ condition: @escaping (LiveTask) -> Bool) -> LiveTask? {
        guard let client = try? client(timeout: 2) else { return nil }
        return waitFor(timeout: timeout, interval: 0.05) { () -> LiveTask? in
            guard let task = try? client.tasks(.show, id) else { return nil }
            return condition(task) ? task : nil
        }
    }
}
