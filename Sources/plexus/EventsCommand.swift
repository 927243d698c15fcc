import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus events`: the event log's state and retention; `plexus events last TOPIC`: a topic's last event.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show the event log: stored seqs, size, retention, recovery (docs/PROTOCOL.md, section 10).",
        subcommands: [EventsState.self, EventsLast.self],
        defaultSubcommand: EventsState.self)
}

/// `plexus events [state]`.
struct EventsState: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Show the event log's state.")

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let state = try options.client().eventLogState()
            emit(output.isJSON ? String(decoding: JSONCoding.encode(state), as: UTF8.self) : Self.render(state))
        }
    }

    /// The state as `key: value` lines.
    static func render(_ state: EventLogState) -> String {
        guard state.enabled else {
            return "event log: off (the broker has no data directory, or events.log is false)\nhead seq: \(state.headSeq)"
        }
        let retention = state.retention
        let oldest = state.oldestTime.map { EventLine.iso8601(microseconds: $0) } ?? "-"
        var lines = [
            "event log: on" + (state.directory.map { " (\($0))" } ?? ""),
            "epoch: \(state.epoch)",
            "head seq: \(state.headSeq)",
            "stored: seqs \(state.firstSeq)–\(state.lastSeq), \(state.events) events, \(bytes(state.bytes)) "
                + "in \(state.segments) segments",
            "oldest: \(oldest)",
            "synced to: seq \(state.syncedSeq) (sync: \(state.sync))",
            "writer: \(bytes(UInt64(max(0, state.pendingBytes)))) pending, \(state.droppedByWriter) events not logged, "
                + "\(state.gaps) gaps",
            "retention: \(retention.maxEvents) events, \(bytes(retention.maxBytes)), \(age(retention.maxAgeSeconds))",
            "recovered: \(state.recovered.records) records, \(bytes(state.recovered.discardedBytes)) discarded",
        ]
        for range in state.recovered.badRanges {
            lines.append("  bad range: seqs \(range.first)–\(range.last): \(range.reason)")
        }
        return lines.joined(separator: "\n")
    }

    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func age(_ seconds: Int64) -> String {
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        return "\(seconds)s"
    }
}

/// `plexus events last TOPIC`.
struct EventsLast: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "last", abstract: "Print the last stored event of a topic.")

    @Argument(help: "The topic (no wildcards).")
    var topic: String

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let problem = Topic.validationError(topic) { throw ValidationError("invalid topic: \(problem)") }
    }

    func run() throws {
        try runClient {
            guard let event = try options.client().lastEvent(topic: topic) else {
                throw fail("no stored event on \(topic)")
            }
            emit(output.isJSON ? EventLine(event).json() : EventLine(event).text())
        }
    }
}
