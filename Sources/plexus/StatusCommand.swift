import ArgumentParser
import Foundation
import PlexusProtocol

/// `plexus status [NAME]`: every supervised and attached instance, or NAME's.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show every plugin instance and its state.",
        discussion: """
            With NAME, only that plugin's instances, and the exit status says whether it runs, as \
            systemctl is-active does: 0 when every instance is running, 3 when not (or NAME is unknown). \
            --watch redraws the table on every lifecycle event (plexus.plugin.*) until interrupted.
            """)

    @Argument(help: "Only this plugin's instances; the exit status is then 3 unless all run.")
    var name: String?

    @Flag(name: .shortAndLong, help: "Redraw on every lifecycle event until interrupted (JSON: one array per change).")
    var watch = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let client = try options.client()
            if watch {
                try StatusWatch(client: client, options: options, output: output, plugin: name).run()
                return
            }
            let instances = try client.request(.status, as: [InstanceInfo].self).filter { name == nil || $0.name == name }
            if output.isJSON {
                output.emitJSON(instances)
            } else if let name, instances.isEmpty {
                warn("plexus: no plugin instance named \(name)")
            } else {
                emit(StatusTable.render(instances, wide: output.isWide))
            }
            if name != nil, !LifecycleRunner.allRunning(instances) { throw ExitCode(3) }
        }
    }
}

/// The status table shared by `status` and the lifecycle commands.
enum StatusTable {
    static func render(_ instances: [InstanceInfo], wide: Bool = false) -> String {
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
        guard !instances.isEmpty else { return "(no plugins)" }
        return Table(
            header: header, rows: rows, maxWidth: wide ? nil : Table.defaultWidth,
            style: { column, text in
                switch column {
                case 2: Terminal.style(forState: text)
                case 3: Terminal.style(forState: text.split(separator: " ").first.map(String.init) ?? text)
                default: nil
                }
            }
        ).render()
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
