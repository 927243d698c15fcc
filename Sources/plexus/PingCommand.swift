import ArgumentParser
import Foundation
import PlexusProtocol

/// `plexus ping`: one round trip.
struct PingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Round trip to the broker.")

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let (pong, seconds) = try options.client().ping()
            if output.isJSON {
                output.emitJSON(pong)
                return
            }
            emit(
                String(
                    format: "pong from %@ (broker %@, version %@) in %.3f ms", options.endpoint, pong.broker, pong.version,
                    seconds * 1000))
            // Readiness: every enabled supervised instance running and not critical.
            if pong.ready == true {
                emit("ready")
            } else if let reasons = pong.notReady, !reasons.isEmpty {
                emit("not ready: " + reasons.joined(separator: "; "))
            }
        }
    }
}

/// `plexus stats`: the event bus counters.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Print the event bus counters: totals, bad input by kind, the busiest topics.")

    @Option(help: "Show this many topics, busiest first (the JSON has one page of them, by name).") var topics = 10
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let body = try options.client().request(.stats)
            if output.isJSON {
                emit(String(decoding: body.first ?? [], as: UTF8.self))
                return
            }
            let stats = try JSONCoding.decode(StatsReply.self, from: body.first ?? [], what: "STATS reply")
            emit(StatsText.render(stats, topics: output.isWide ? Int.max : topics))
        }
    }
}

/// How `stats` prints the counters for people.
enum StatsText {
    static func render(_ stats: StatsReply, topics limit: Int) -> String {
        var lines = [
            "events in \(stats.eventsIn), out \(stats.eventsOut), dropped \(stats.dropped); "
                + "\(stats.subscriptions) subscriptions, \(stats.topicCount ?? stats.topics.count) topics"
        ]
        let bad = stats.malformed.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        lines.append("bad input: " + (bad.isEmpty ? "none" : bad.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        if let jitter = stats.taskJitter, jitter.runs > 0 {
            let p50 = String(format: "%.3f", jitter.p50Milliseconds)
            let p99 = String(format: "%.3f", jitter.p99Milliseconds)
            lines.append("task jitter: p50 \(p50) ms, p99 \(p99) ms over \(jitter.runs) runs")
        }
        let busiest = stats.topics.sorted { left, right in
            left.value.count != right.value.count ? left.value.count > right.value.count : left.key < right.key
        }
        if !busiest.isEmpty {
            let rows: [[String]] = busiest.prefix(limit).map { entry in
                [entry.key, String(entry.value.count), String(entry.value.bytes), String(entry.value.dropped)]
            }
            lines.append(Table(header: ["TOPIC", "EVENTS", "BYTES", "DROPPED"], rows: rows, flexibleColumn: 0).render())
        }
        return lines.joined(separator: "\n")
    }
}
