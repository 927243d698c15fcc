import ArgumentParser
import Foundation
import PlexusProtocol

/// `plexus plugins`: the registry.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugins", abstract: "List attached plugin instances.")

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let plugins = try options.client().plugins()
            if output.isJSON {
                output.emitJSON(plugins)
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
            emit(
                Table(
                    header: header, rows: rows, maxWidth: output.isWide ? nil : Table.defaultWidth,
                    style: { column, text in column == 5 || column == 6 ? Terminal.style(forState: text) : nil }
                ).render())
            if plugins.isEmpty { emit("(no plugins attached)") }
        }
    }
}
