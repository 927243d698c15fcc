import ArgumentParser
import Foundation
import PlexusProtocol

/// `plexus tasks add ID …`: builds a definition with the keys of a topology `tasks:` entry and
/// sends it; the broker validates it, so the CLI and the file give the same errors.
struct TasksAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a task at run time (it is persisted and survives broker restarts).",
        discussion: """
            Give one schedule (--cron, --every, --at or --after) and one target (--service or --topic),
            or the whole definition as JSON with --definition (a file with @path). Durations: 500ms, 30s, 5m, 1h.
            Example: plexus tasks add backup --cron '0 3 * * *' --time-zone Europe/Paris --service db.backup --fan-out all
            """)

    @Argument(help: "The task id ([A-Za-z0-9._-], up to 64 characters).") var id: String
    @Option(help: "Cron expression: 5 or 6 fields, or @hourly, @daily, @every 10s, …") var cron: String?
    @Option(name: .customLong("time-zone"), help: "IANA time zone for --cron (default UTC).") var timeZone: String?
    @Option(help: "Fixed interval, e.g. 30s.") var every: String?
    @Option(help: "Run once at this RFC 3339 time.") var at: String?
    @Option(help: "Run once after this delay, e.g. 10m.") var after: String?
    @Option(help: "Service to call.") var service: String?
    @Option(name: .customLong("fan-out"), help: "one (default) or all instances.") var fanOut: String?
    @Option(help: "Only instances of this plugin name or type.") var plugin: String?
    @Option(help: "Topic to publish the payload on (instead of a service).") var topic: String?
    @Option(help: "Request body or event payload.") var payload: String?
    @Option(name: .customLong("run-timeout"), help: "How long a run may take (default 60s).") var runTimeout: String?
    @Option(help: "Retries after a failed run (default 0).") var retries: Int?
    @Option(name: .customLong("retry-backoff"), help: "First retry delay, doubled each retry (default 1s).")
    var retryBackoff: String?
    @Option(name: .customLong("retry-backoff-max"), help: "Longest retry delay (default 5m).") var retryBackoffMax: String?
    @Option(help: "allow, forbid (default) or replace.") var concurrency: String?
    @Option(help: "After broker downtime: skip (default) or run_once.") var misfire: String?
    @Option(name: .customLong("starting-deadline"), help: "With run_once: skip catch-ups older than this.")
    var startingDeadline: String?
    @Option(name: .customLong("start-at"), help: "No fires before this RFC 3339 time.") var startAt: String?
    @Option(name: .customLong("end-at"), help: "No fires after this RFC 3339 time.") var endAt: String?
    @Option(name: .customLong("max-runs"), help: "Complete after this many runs.") var maxRuns: Int?
    @Option(help: "The definition as a JSON object (or @file), instead of the options above.") var definition: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        let text = try definitionText()
        try runClient {
            let body = try options.client().request(.tasks(.add, argument: text)).first ?? []
            if output.isJSON {
                emit(String(decoding: body, as: UTF8.self))
            } else {
                let task = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
                emit("added \(id): next run \(task?["next_run"] as? String ?? "-")")
            }
        }
    }

    private func definitionText() throws -> String {
        if let definition {
            let raw: String
            if definition.hasPrefix("@") {
                do { raw = try String(contentsOfFile: String(definition.dropFirst()), encoding: .utf8) } catch {
                    throw fail("cannot read \(definition.dropFirst()): \(error.localizedDescription)")
                }
            } else {
                raw = definition
            }
            guard var object = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] else {
                throw fail("--definition must be a JSON object")
            }
            object["id"] = id
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        var object: [String: Any] = ["id": id]
        let fields: [(String, Any?)] = [
            ("cron", cron), ("time_zone", timeZone), ("every", every), ("at", at), ("after", after), ("service", service),
            ("fan_out", fanOut), ("plugin", plugin), ("topic", topic), ("payload", payload), ("timeout", runTimeout),
            ("retries", retries), ("retry_backoff", retryBackoff), ("retry_backoff_max", retryBackoffMax),
            ("concurrency", concurrency), ("misfire", misfire), ("starting_deadline", startingDeadline),
            ("start_at", startAt), ("end_at", endAt), ("max_runs", maxRuns),
        ]
        for case (let key, let value?) in fields { object[key] = value }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
