import ArgumentParser
import Foundation
import PlexusProtocol

/// `plexus status`: every supervised and attached instance.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show every plugin instance and its state.")

    @Flag(help: "Print a JSON array.")
    var json = false

    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let instances = try options.client().request(.status, as: [InstanceInfo].self)
            if json {
                emit(String(decoding: JSONCoding.encode(instances), as: UTF8.self))
                return
            }
            emit(StatusTable.render(instances))
        }
    }
}

/// The status table shared by `status` and the lifecycle commands.
enum StatusTable {
    static func render(_ instances: [InstanceInfo]) -> String {
        let header = ["NAME", "INSTANCE", "STATE", "HEALTH", "PID", "RESTARTS", "UPTIME", "LAST EXIT", "REASON"]
        let rows = instances.map {
            [
                $0.name, $0.instance, $0.state.rawValue, HealthColumn.describe($0.health), $0.pid == 0 ? "-" : String($0.pid),
                $0.restarts.map(String.init) ?? "-",
                // Uptime means something only while the instance runs.
                $0.state == .running ? HumanDuration.format(seconds: $0.uptimeSeconds) : "-",
                ($0.lastExit ?? "").isEmpty ? "-" : $0.lastExit!,
                [$0.attached ? "attached" : nil, $0.reason].compactMap { $0 }.joined(separator: "; "),
            ]
        }
        return instances.isEmpty ? "(no plugins)" : Table(header: header, rows: rows).render()
    }
}

/// The HEALTH column of `status` and `plugins`: the status, `(isolated)` when the instance is out of
/// rotation, `-` when the broker reports none (an instance that is not running).
enum HealthColumn {
    static func describe(_ health: InstanceHealth?) -> String {
        guard let health else { return "-" }
        return health.isolated ? "\(health.status.rawValue) (isolated)" : health.status.rawValue
    }
}
