import PlexusProtocol

/// The last lines of each plugin's output, bounded per plugin so a chatty plugin cannot grow the
/// broker's memory.
public struct LogBuffer: Sendable {
    public let linesPerPlugin: Int
    private var lines: [String: [LogLine]] = [:]
    private var nextSeq: UInt64 = 1

    public init(linesPerPlugin: Int = 1000) {
        self.linesPerPlugin = linesPerPlugin
    }

    public mutating func append(plugin: String, instance: String, stream: ProcessEvent.OutputStream, line: String, time: Int64) {
        // In place: taking the array out of the dictionary and putting it back would copy it on every line.
        lines[plugin, default: []].append(
            LogLine(seq: nextSeq, time: time, instance: instance, stream: LogLine.Stream(stream), line: line))
        nextSeq += 1
        // Trim in batches, so that keeping the last N lines costs O(1) per line on average.
        if let count = lines[plugin]?.count, count > 2 * linesPerPlugin {
            lines[plugin]?.removeFirst(count - linesPerPlugin)
        }
    }

    /// Lines of `plugin` after `since`, at most `limit`, and the cursor to continue from.
    /// The answer stops early once its lines hold `maxBytes` (at least one line is returned), so that a
    /// reply stays bounded however long the lines are; `next` then continues where it stopped.
    public func read(plugin: String, since: UInt64, limit: Int, maxBytes: Int = 4 << 20) -> (lines: [LogLine], next: UInt64) {
        let kept = (lines[plugin] ?? []).suffix(linesPerPlugin)
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
