import ArgumentParser
import Foundation
import PlexusProtocol

/// `plexus`: run the broker and talk to it.
@main
struct Plexus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plexus",
        abstract: "A message-bus plugin mesh over ZeroMQ.",
        version: PlexusConstants.version,
        subcommands: [
            BrokerCommand.self, PublishCommand.self, SubscribeCommand.self, PluginsCommand.self, PingCommand.self,
            StatsCommand.self, CheckCommand.self, StatusCommand.self, StartCommand.self, StopCommand.self,
            RestartCommand.self, ReloadCommand.self, UpgradeCommand.self, ApplyCommand.self, DiffCommand.self, LogsCommand.self,
            CallCommand.self, ServicesCommand.self, TasksCommand.self, EventsCommand.self, TopCommand.self,
            ShutdownCommand.self, KeygenCommand.self, PinCommand.self, MetricsCommand.self, AuditCommand.self,
        ]
    )

    /// A closed pipe on stdout or stderr (`| head`) must end writing, not the process: SIGPIPE would kill
    /// the broker before it could stop its plugins. Writes then fail with EPIPE instead.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        if let suggestion = Suggestion.forMistypedSubcommand(CommandLine.arguments.dropFirst().first) {
            FileHandle.standardError.write(Data((suggestion + "\n").utf8))
            Foundation.exit(64)  // EX_USAGE
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
