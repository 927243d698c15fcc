import ArgumentParser
import Foundation
import PlexusProtocol

/// `plexus plugins`: the registry.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugins", abstract: "List attached plugin instances.")

    @Flag(help: "Print a JSON array.")
    var json = false

    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let plugins = try options.client().plugins()
            if json {
                emit(String(decoding: JSONCoding.encode(plugins), as: UTF8.self))
                return
            }
            let header = ["NAME", "TYPE", "VERSION", "INSTANCE", "PID", "STATE", "HEALTH", "UPTIME", "LANGUAGE"]
            let rows = plugins.map {
                [
                    $0.name, $0.type, $0.version, $0.instance, String($0.pid), $0.state.rawValue,
                    HealthColumn.describe($0.health),
                    HumanDuration.format(seconds: $0.uptimeSeconds), $0.language,
                ]
            }
            emit(Table(header: header, rows: rows).render())
            if plugins.isEmpty { emit("(no plugins attached)") }
        }
    }
}

/// A plain left-aligned text table.
struct Table {
    var header: [String]
    var rows: [[String]]

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
