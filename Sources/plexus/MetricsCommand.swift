import ArgumentParser
import Foundation

/// `plexus metrics`: the broker's metrics in the Prometheus text format, what `GET /metrics` serves, for
/// operators without the HTTP server (or to feed a node exporter's textfile collector).
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the broker's metrics (Prometheus text format; docs/METRICS.md).",
        discussion: "Add --grep to print only the lines that contain a word, e.g. `plexus metrics --grep plexus_events`.")

    @OptionGroup var options: ClientOptions

    @Option(help: "Print only the lines that contain this text (the # HELP and # TYPE lines of a match too).")
    var grep: String?

    func run() throws {
        try runClient {
            let body = try options.client().request(.metrics)
            let text = String(decoding: body.first ?? [], as: UTF8.self)
            guard let grep else {
                // The exposition ends with a newline already.
                emit(String(text.dropLast(text.hasSuffix("\n") ? 1 : 0)))
                return
            }
            for line in text.split(separator: "\n") where line.contains(grep) { emit(String(line)) }
        }
    }
}
