import ArgumentParser

/// `plexus`: run the broker and talk to it.
@main
struct Plexus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plexus",
        abstract: "A message-bus plugin mesh over ZeroMQ.",
        subcommands: [
            BrokerCommand.self, PublishCommand.self, SubscribeCommand.self, PluginsCommand.self, PingCommand.self,
            StatsCommand.self, CheckCommand.self, StatusCommand.self, StartCommand.self, StopCommand.self,
            RestartCommand.self, ReloadCommand.self, UpgradeCommand.self, ApplyCommand.self, LogsCommand.self,
            CallCommand.self, ServicesCommand.self, TasksCommand.self,
        ]
    )
}
