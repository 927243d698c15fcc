import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus audit`: who changed what, from the broker's audit log (docs/SECURITY.md, "Audit log").
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: lifecycle commands, applies, task changes, refusals, integrity failures, OOM kills.")

    @Option(help: "Only records since a duration ago (10m, 2h, 1d) or an ISO-8601 time.")
    var since: String?

    @Option(help: "Only records by this actor (a plugin name, 'anonymous' or 'broker').")
    var actor: String?

    @Option(help: "Only this action (RESTART, APPLY, TASKS, register, integrity, oom, …).")
    var action: String?

    @Option(name: [.customShort("n"), .long], help: "At most this many, the newest (1–10000).")
    var limit: Int = 100

    @Flag(help: "Print the records as a JSON array.")
    var json = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000") }
        if let since { _ = try SubscribeCommand.startTime(since) }
    }

    func run() throws {
        try runClient {
            let query = AuditQuery(
                since: try since.map { try SubscribeCommand.startTime($0) }, actor: actor, action: action, limit: limit)
            let records = try options.client().request(.audit(query), as: [AuditRecord].self)
            if json {
                emit(String(decoding: JSONCoding.encode(records), as: UTF8.self))
                return
            }
            guard !records.isEmpty else {
                emit("no audit records match")
                return
            }
            for record in records {
                var line =
                    "\(EventLine.iso8601(microseconds: record.time))  \(record.actor.name) (\(record.actor.via))  "
                    + "\(record.action) \(record.target)  \(record.decision)  \(record.result)"
                if let detail = record.detail { line += "  \(detail.prefix(200))" }
                emit(line)
            }
        }
    }
}
