import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// Sends a lifecycle command, then polls `STATUS` until `done` says the change took effect (or a state
/// says it cannot), within `--timeout`. The broker answers lifecycle commands at once, so waiting here
/// keeps its loop free.
struct LifecycleRunner {
    let options: ClientOptions
    let output: OutputOptions
    let plugin: String

    func run(_ verb: LifecycleVerb, done: ([InstanceInfo], [InstanceInfo]) -> Bool) throws {
        try runClient {
            let timeout = options.seconds(default: 30)
            let client = try options.client(defaultTimeout: timeout)
            let before = try client.request(.status, as: [InstanceInfo].self).filter { $0.name == plugin }
            _ = try client.request(.lifecycle(verb, plugin: plugin))
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                let now = try client.request(.status, as: [InstanceInfo].self).filter { $0.name == plugin }
                if done(before, now) {
                    if output.isJSON { output.emitJSON(now) } else { emit(StatusTable.render(now, wide: output.isWide)) }
                    return
                }
                if verb != .stop, let failed = now.first(where: { $0.state == .failed }) {
                    throw fail("\(failed.instance) failed: \(failed.reason ?? "no reason given")")
                }
                if Date() >= deadline {
                    let states = now.map { "\($0.instance) \($0.state.rawValue)" + ($0.reason.map { " (\($0))" } ?? "") }
                    throw fail(
                        "\(verb.rawValue.lowercased()) \(plugin) not done within \(timeout) s: \(states.joined(separator: ", "))")
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    static func allRunning(_ instances: [InstanceInfo]) -> Bool {
        !instances.isEmpty && instances.allSatisfy { $0.state == .running }
    }
}

struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a plugin and wait until it runs.")
    @Argument(help: "The plugin's name in the topology.") var name: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try LifecycleRunner(options: options, output: output, plugin: name).run(.start) { _, now in
            LifecycleRunner.allRunning(now)
        }
    }
}

struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a plugin and wait until its processes exit.")
    @Argument(help: "The plugin's name in the topology.") var name: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try LifecycleRunner(options: options, output: output, plugin: name).run(.stop) { _, now in
            now.allSatisfy { $0.state == .stopped || $0.state == .failed }
        }
    }
}

struct RestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Restart a plugin and wait until it runs again.")
    @Argument(help: "The plugin's name in the topology.") var name: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try LifecycleRunner(options: options, output: output, plugin: name).run(.restart) { before, now in
            let oldPIDs = Set(before.map(\.pid).filter { $0 != 0 })
            return LifecycleRunner.allRunning(now) && now.allSatisfy { !oldPIDs.contains($0.pid) }
        }
    }
}

struct UpgradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Replace a plugin's processes without downtime: the new ones run before the old ones stop.")
    @Argument(help: "The plugin's name in the topology.") var name: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try LifecycleRunner(options: options, output: output, plugin: name).run(.upgrade) { before, now in
            let oldGeneration = before.compactMap(\.generation).max() ?? 0
            return LifecycleRunner.allRunning(now) && now.allSatisfy { ($0.generation ?? 0) > oldGeneration }
        }
    }
}

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Send a plugin its config block, re-read from the topology file, without a restart.")
    @Argument(help: "The plugin's name.") var name: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let reply = try options.client().request(.lifecycle(.reload, plugin: name), as: ReloadReply.self)
            if output.isJSON {
                output.emitJSON(reply)
                return
            }
            emit(
                reply.instances.isEmpty
                    ? "no running instance of \(name) to reload" : "reloaded \(reply.instances.joined(separator: ", "))")
        }
    }
}
