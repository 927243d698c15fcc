import PlexusProtocol

/// The distributed-service seed's task shape for `POST /scheduler/tasks`, translated into a Plexus task
/// definition (the broker validates it as any other `TASKS ADD`):
///
/// ```json
/// {"id": "my-task", "name": "...", "description": "...",
///  "schedule": {"type": "interval", "interval": "30s", "max_runs": 10}, "topic": "jobs.my-task"}
/// ```
/// `schedule.type` is `interval` (`every`), `cron` (`cron`, also `expression`) or `once` (`at`). The seed's
/// tasks run a Go handler; a Plexus task needs a target, so `topic`, `service` or `plugin` may be given and
/// the default is publishing to `scheduler.<id>`. A body without `schedule` is taken as a Plexus definition.
enum SeedTask {
    static func definition(from body: [UInt8]) throws(Problem) -> String {
        guard !body.isEmpty else { throw .badRequest("the task body is empty (expected JSON)") }
        let value: JSONValue
        do throws(ProtocolError) {
            value = try JSONCoding.decode(JSONValue.self, from: body, what: "task")
        } catch {
            throw .badRequest(error.message)
        }
        guard case .object(var fields) = value else { throw .badRequest("the task must be a JSON object") }
        guard case .object(let schedule)? = fields["schedule"] else {
            return String(decoding: body, as: UTF8.self)
        }
        fields["schedule"] = nil
        fields["name"] = nil
        fields["description"] = nil
        switch schedule["type"]?.stringValue ?? (schedule["cron"] != nil ? "cron" : "interval") {
        case "interval":
            guard let every = schedule["interval"] ?? schedule["every"] else {
                throw .badRequest("schedule.interval: required for type interval (\"30s\")")
            }
            fields["every"] = every
        case "cron":
            guard let cron = schedule["cron"] ?? schedule["expression"] else {
                throw .badRequest("schedule.cron: required for type cron (\"*/5 * * * *\")")
            }
            fields["cron"] = cron
        case "once":
            guard let at = schedule["at"] ?? schedule["run_at"] else {
                throw .badRequest("schedule.at: required for type once (an RFC 3339 time)")
            }
            fields["at"] = at
        case let other:
            throw .badRequest("schedule.type: unknown '\(other)' (expected interval, cron or once)")
        }
        if let maxRuns = schedule["max_runs"] { fields["max_runs"] = maxRuns }
        if fields["topic"] == nil, fields["service"] == nil, fields["plugin"] == nil {
            fields["topic"] = .string("scheduler.\(fields["id"]?.stringValue ?? "task")")
        }
        return String(decoding: JSONCoding.encode(JSONValue.object(fields)), as: UTF8.self)
    }
}
