import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus status --watch`: the status table, redrawn whenever a lifecycle event (`plexus.plugin.*`)
/// arrives, not on a timer. On a terminal the screen is redrawn in place (plain ANSI: home, clear); into
/// a pipe each state is printed after the last, separated by a blank line, or one JSON array a line.
struct StatusWatch {
    let client: ControlClient
    let options: ClientOptions
    let output: OutputOptions
    let plugin: String?

    /// Lifecycle events that arrive within this many seconds of each other make one redraw.
    static let coalesce = 0.05

    func run() throws {
        let endpoints = try client.discover()
        let events = try EventSubscriber(endpoint: endpoints.eventsOut, patterns: ["plexus.plugin.*"])
        // The table is drawn once subscribed, so that a change after it is not missed.
        try draw(cause: nil)
        let deadline = options.timeout.map { Date().addingTimeInterval($0) }
        while deadline.map({ $0 > Date() }) ?? true {
            let wait = deadline.map { $0.timeIntervalSinceNow } ?? 3600
            guard let event = try events.next(timeout: max(0.001, wait)) else { continue }
            var last = event
            while let more = try events.next(timeout: Self.coalesce) { last = more }
            try draw(cause: last)
        }
    }

    private func draw(cause: ReceivedEvent?) throws {
        let instances = try client.request(.status, as: [InstanceInfo].self).filter { plugin == nil || $0.name == plugin }
        if output.isJSON {
            output.emitJSON(instances)
            return
        }
        var lines: [String] = []
        let what = cause.map { event -> String in
            let instance = (try? JSONCoding.decode(InstanceInfo.self, from: event.payload, what: "event"))?.instance ?? "?"
            return "\(event.topic.split(separator: ".").last ?? "") \(instance)"
        }
        lines.append(
            Terminal.paint(
                "plexus status --watch  \(options.endpoint)  \(TimeText.absolute(Date(), zone: .current))"
                    + (what.map { "  last: \($0)" } ?? ""), .dim))
        lines.append(StatusTable.render(instances, wide: output.isWide))
        if Terminal.isTTY {
            // Home and clear, then the frame: tmux and every ANSI terminal render it the same.
            emit("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\n"))
        } else {
            emit(lines.joined(separator: "\n") + "\n")
        }
    }
}
