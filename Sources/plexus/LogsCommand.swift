import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTopology

/// `plexus logs NAME|--all`: supervised plugins' captured output, like `tail` (`-n`, `-f`) and
/// `journalctl --since`.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print supervised plugins' captured output (one plugin, or --all interleaved).",
        discussion: """
            The broker keeps the last 1,000 lines of each plugin, also for a while after apply removed it. \
            With --all every plugin's lines come interleaved in the order the broker captured them, each \
            with its instance. --since takes a duration (10m, 2h) or an ISO-8601 time.
            """)
    @Argument(help: "The plugin's name (or give --all).") var name: String?
    @Flag(help: "Every plugin, interleaved as captured.") var all = false
    @Flag(name: .shortAndLong, help: "Keep printing new lines until interrupted.") var follow = false
    @Option(name: [.customShort("n"), .customLong("tail")], help: "Print at most this many of the latest lines first.")
    var tail: Int = 1000
    @Option(help: "Only lines captured after this: a duration before now (10m) or an ISO-8601 time.") var since: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard (0...100_000).contains(tail) else { throw ValidationError("--tail (-n) must be from 0 to 100000") }
        guard (name != nil) != all else { throw ValidationError("give a plugin's name or --all, not both") }
        if let since { _ = try SubscribeCommand.startTime(since) }
    }

    func run() throws {
        try runClient {
            let client = try options.client()
            let target = all ? "*" : name!
            let after = try since.map { try SubscribeCommand.startTime($0) } ?? Int64.min
            var cursor: UInt64 = 0
            // The broker answers in pages bounded in bytes: read them all, then keep the last --tail lines.
            var backlog: [LogLine] = []
            for _ in 0..<10_000 {
                let reply = try client.request(.logs(plugin: target, since: cursor, limit: 100_000), as: LogsReply.self)
                backlog = Array((backlog + reply.lines.filter { $0.time >= after }).suffix(tail))
                guard !reply.lines.isEmpty, reply.next > cursor else { break }
                cursor = reply.next
            }
            for line in backlog { print(line) }
            while follow {
                Thread.sleep(forTimeInterval: 0.2)
                let reply = try client.request(.logs(plugin: target, since: cursor, limit: 100_000), as: LogsReply.self)
                for line in reply.lines { print(line) }
                cursor = reply.next
            }
        }
    }

    private func print(_ line: LogLine) {
        if output.isJSON {
            output.emitJSON(line)
            return
        }
        let time = Date(timeIntervalSince1970: Double(line.time) / 1_000_000)
        let stamp = output.absolute ? EventLine.iso8601(microseconds: line.time) : TimeText.absolute(time, zone: .current)
        let stream = line.stream == .stderr ? Terminal.paint("stderr", .dim) : "stdout"
        emit("\(Terminal.paint(stamp, .dim)) \(Terminal.paint(line.instance, .bold)) \(stream): \(line.line)")
    }
}
