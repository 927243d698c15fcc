import ArgumentParser
import Foundation
import Logging
import Synchronization

/// The broker's log on standard error: one line per record, in `text` for people or `json` for machines
/// (`plexus broker --log-format json`).
///
/// A plugin's output line (a record with `stream` metadata) is passed through once, under the instance's
/// name, without the plugin's own leading timestamp: `2026-12-02T01:06:00.123Z audit-1 | INFO plexus: …`.
/// The broker's own records read `TIME LEVEL message key=value…`, metadata sorted by key.
struct BrokerLogHandler: LogHandler {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    let label: String
    let format: Format
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let own = event.metadata { fields.merge(own) { $1 } }
        let line =
            switch format {
            case .text: Self.text(level: event.level, message: "\(event.message)", fields: fields)
            case .json: Self.json(level: event.level, message: "\(event.message)", fields: fields, label: label)
            }
        Self.write(line)
    }

    // MARK: Lines

    static func text(level: Logger.Level, message: String, fields: Logger.Metadata, now: Date = Date()) -> String {
        let time = timestamp(now)
        if fields["stream"] != nil, let instance = fields["instance"] {
            return "\(time) \(instance) | \(stripTimestamp(message))"
        }
        let pairs = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(value($0.value))" }
        // Padded to the width of "warning", and never cut: "warning" and "critical" still get a space.
        let name = level.rawValue
        let padded = name.count < 7 ? name.padding(toLength: 7, withPad: " ", startingAt: 0) : name + " "
        return ([time, padded + message] + pairs).joined(separator: " ")
    }

    static func json(level: Logger.Level, message: String, fields: Logger.Metadata, label: String, now: Date = Date()) -> String {
        var object: [String: Any] = [:]
        for (key, item) in fields { object[key] = jsonValue(item) }
        object["time"] = timestamp(now)
        object["level"] = level.rawValue
        object["logger"] = label
        object["message"] = fields["stream"] != nil ? stripTimestamp(message) : message
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A plugin's line without the timestamp its own logger put first (ISO 8601, or Python's
    /// `2026-12-01 18:23:30,067`): the broker's line already has one. A line in swift-log's stream format
    /// (`info plexus.plugin: instance=g-1 plugin=g k=v [Source] message`, what Swift plugins write) is
    /// told as `info message k=v`: the instance and plugin are already in the broker's prefix.
    static func stripTimestamp(_ line: String) -> String {
        var text = line
        if let match = text.firstMatch(of: leadingTimestamp) { text = String(text[match.range.upperBound...]) }
        guard let match = text.firstMatch(of: swiftLogLine) else { return text }
        // Identifiers hold no spaces, so these two pairs come out whole whatever the other values hold.
        let rest = String(match.output.2).replacing(#/(?:^| )(?:instance|plugin)=\S+/#, with: "")
            .trimmingCharacters(in: .whitespaces)
        return [String(match.output.1), String(match.output.3), rest].filter { !$0.isEmpty }.joined(separator: " ")
    }

    nonisolated(unsafe) private static let leadingTimestamp =
        #/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s+/#

    /// `LEVEL LABEL: METADATA [SOURCE] MESSAGE` (metadata `k=v …`, possibly none).
    nonisolated(unsafe) private static let swiftLogLine =
        #/^(trace|debug|info|notice|warning|error|critical) [^\s:]+: ((?:[^\s=\[]+=.*? )?)\[[^\]\s]+\] (.*)$/#

    private static func timestamp(_ date: Date) -> String {
        var style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        style.timeZone = .gmt
        return date.formatted(style)
    }

    private static func value(_ item: Logger.Metadata.Value) -> String {
        let text = "\(item)"
        return text.contains(" ") || text.isEmpty ? "\"\(text)\"" : text
    }

    private static func jsonValue(_ item: Logger.Metadata.Value) -> Any {
        switch item {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let items): items.map(jsonValue)
        case .dictionary(let entries): entries.mapValues(jsonValue)
        }
    }

    // MARK: Writing

    private static let lock = Mutex<Void>(())

    /// One write per line, under a lock, so that lines from several threads never interleave; a closed
    /// standard error (`| head`) ends writing, not the broker.
    private static func write(_ line: String) {
        lock.withLock { _ in
            try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
        }
    }
}
