import PlexusProtocol

/// The last lines of each plugin's output, bounded per plugin so a chatty plugin cannot grow the
/// broker's memory.
///
/// The buffer of a plugin that `APPLY` removed stays readable (`plexus logs NAME` after the fact) until
/// its room is needed: at most `retiredLimit` such buffers are kept, the oldest retired goes first.
public struct LogBuffer: Sendable {
    public let linesPerPlugin: Int
    /// How many buffers of removed plugins are kept.
    public let retiredLimit: Int
    private var lines: [String: [LogLine]] = [:]
    /// Removed plugins, oldest first.
    private var retired: [String] = []
    private var nextSeq: UInt64 = 1

    public init(linesPerPlugin: Int = 1000, retiredLimit: Int = 32) {
        self.linesPerPlugin = linesPerPlugin
        self.retiredLimit = retiredLimit
    }

    public mutating func append(plugin: String, instance: String, stream: ProcessEvent.OutputStream, line: String, time: Int64) {
        // In place: taking the array out of the dictionary and putting it back would copy it on every line.
        lines[plugin, default: []].append(
            LogLine(seq: nextSeq, time: time, instance: instance, stream: LogLine.Stream(stream), line: line, plugin: plugin))
        nextSeq += 1
        // Trim in batches, so that keeping the last N lines costs O(1) per line on average.
        if let count = lines[plugin]?.count, count > 2 * linesPerPlugin {
            lines[plugin]?.removeFirst(count - linesPerPlugin)
        }
    }

    /// Whether lines of `plugin` are held (it may have been removed).
    public func holds(plugin: String) -> Bool { lines[plugin] != nil }

    /// The plugin left the topology: its lines stay readable until `retiredLimit` newer removals need
    /// the room. A plugin that comes back is no longer retired.
    public mutating func retire(plugin: String) {
        guard lines[plugin] != nil else { return }
        retired.removeAll { $0 == plugin }
        retired.append(plugin)
        while retired.count > retiredLimit { lines[retired.removeFirst()] = nil }
    }

    /// A plugin of the topology again (re-added by `APPLY`).
    public mutating func reinstate(plugin: String) {
        retired.removeAll { $0 == plugin }
    }

    /// Lines of `plugin` (nil: every plugin, interleaved in the order they were captured) after `since`,
    /// at most `limit`, and the cursor to continue from.
    /// The answer stops early once its lines hold `maxBytes` (at least one line is returned), so that a
    /// reply stays bounded however long the lines are; `next` then continues where it stopped.
    public func read(plugin: String?, since: UInt64, limit: Int, maxBytes: Int = 4 << 20) -> (lines: [LogLine], next: UInt64) {
        let kept: [LogLine]
        if let plugin {
            kept = Array((lines[plugin] ?? []).suffix(linesPerPlugin))
        } else {
            // Seqs are global: merging the buffers by seq interleaves them as captured.
            kept = lines.values.flatMap { $0.suffix(linesPerPlugin).filter { $0.seq > since } }.sorted { $0.seq < $1.seq }
        }
        var selected: [LogLine] = []
        var bytes = 0
        for line in kept where line.seq > since {
            guard selected.count < limit else { break }
            bytes += line.line.utf8.count + line.instance.utf8.count + 64
            if !selected.isEmpty, bytes > maxBytes { break }
            selected.append(line)
        }
        return (selected, selected.last?.seq ?? max(since, 0))
    }
}

extension LogLine.Stream {
    /// The protocol's name for a process's output stream.
    init(_ stream: ProcessEvent.OutputStream) {
        switch stream {
        case .stdout: self = .stdout
        case .stderr: self = .stderr
        }
    }
}
