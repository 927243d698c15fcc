import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus top`: a live view of the mesh — events/s per topic, calls/s and p99 per service, task runs,
/// instance states — redrawn every interval. Plain ANSI (home, clear), so it reads the same under tmux,
/// screen and any terminal; into a pipe each frame follows the last.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "Live rates: events/s per topic, calls/s and p99 per service, task runs.",
        discussion: """
            Rates are the change of the broker's counters (STATS, SERVICES, TASKS LIST) between two samples, \
            --interval apart. Ctrl-C quits. With --json each frame is one JSON object per line.
            """)

    @Option(help: "Seconds between frames.") var interval = 1.0
    @Option(
        name: [.customShort("n"), .customLong("iterations")], help: "Stop after this many frames (default: until interrupted).")
    var iterations: Int?
    @Option(help: "Rows per section (default: what fits the terminal).") var rows: Int?
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be from 0.1 to 3600 seconds") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations (-n) must be at least 1") }
        if let rows, rows < 1 { throw ValidationError("--rows must be at least 1") }
    }

    func run() throws {
        try runClient {
            let client = try options.client()
            var previous = try TopSample.take(client)
            var frame = 0
            while iterations.map({ frame < $0 }) ?? true {
                Thread.sleep(forTimeInterval: interval)
                let sample = try TopSample.take(client)
                let view = TopFrame(from: previous, to: sample)
                if output.isJSON {
                    output.emitJSON(view)
                } else {
                    let text = view.render(rows: rows ?? Self.fittingRows(), endpoint: options.endpoint)
                    emit(Terminal.isTTY ? "\u{1B}[H\u{1B}[2J" + text : text + "\n")
                }
                previous = sample
                frame += 1
            }
        }
    }

    /// Rows per section so that the three sections and their headers fit the terminal's height.
    static func fittingRows() -> Int {
        var size = winsize()
        guard Terminal.isTTY, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return 10 }
        return max(3, (Int(size.ws_row) - 10) / 3)
    }
}

/// One reading of the broker's counters.
struct TopSample {
    var time: Date
    var stats: StatsReply
    var services: [ServiceInfo]
    var tasks: [TaskReport]
    var instances: [InstanceInfo]

    static func take(_ client: ControlClient) throws -> TopSample {
        TopSample(
            time: Date(), stats: try client.stats(), services: try client.requestAll(.services, as: ServiceInfo.self),
            tasks: try client.request(.tasks(.list, argument: nil), as: [TaskReport].self),
            instances: try client.requestAll(.status, as: InstanceInfo.self))
    }
}

/// What one frame of `top` shows, also its JSON form.
struct TopFrame: Encodable {
    struct TopicRate: Encodable {
        var topic: String
        var perSecond: Double
        var count: UInt64
        var dropped: UInt64
        enum CodingKeys: String, CodingKey {
            case topic, count, dropped
            case perSecond = "per_second"
        }
    }
    struct ServiceRate: Encodable {
        var service: String
        var perSecond: Double
        var errorsPerSecond: Double
        var inFlight: Int
        var p99Milliseconds: Double
        var breaker: String
        enum CodingKeys: String, CodingKey {
            case service, breaker
            case perSecond = "per_second"
            case errorsPerSecond = "errors_per_second"
            case inFlight = "in_flight"
            case p99Milliseconds = "p99_ms"
        }
    }
    struct TaskRuns: Encodable {
        var task: String
        var state: String
        var runs: Int
        var newRuns: Int
        var failures: Int
        var nextRun: String?
        enum CodingKeys: String, CodingKey {
            case task, state, runs, failures
            case newRuns = "new_runs"
            case nextRun = "next_run"
        }
    }

    var time: String
    var seconds: Double
    var eventsPerSecond: Double
    var instances: [String: Int]
    var topics: [TopicRate]
    var services: [ServiceRate]
    var tasks: [TaskRuns]

    enum CodingKeys: String, CodingKey {
        case time, seconds, instances, topics, services, tasks
        case eventsPerSecond = "events_per_second"
    }

    init(from old: TopSample, to new: TopSample) {
        let span = max(0.001, new.time.timeIntervalSince(old.time))
        func rate(_ now: UInt64, _ before: UInt64?) -> Double { Double(now &- min(now, before ?? 0)) / span }
        time = EventLine.iso8601(microseconds: Int64(new.time.timeIntervalSince1970 * 1_000_000))
        seconds = span
        eventsPerSecond = rate(new.stats.eventsIn, old.stats.eventsIn)
        instances = Dictionary(new.instances.map { ($0.state.rawValue, 1) }, uniquingKeysWith: +)
        // The SDKs' subscription probes are plumbing, hidden as `subscribe` hides them.
        topics = new.stats.topics.filter { !Topic.isProbe($0.key) }.map { topic, counters in
            TopicRate(
                topic: topic, perSecond: rate(counters.count, old.stats.topics[topic]?.count), count: counters.count,
                dropped: counters.dropped)
        }
        .sorted { $0.perSecond != $1.perSecond ? $0.perSecond > $1.perSecond : $0.topic < $1.topic }
        let before = Dictionary(old.services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        services = new.services.map { service in
            ServiceRate(
                service: service.name, perSecond: rate(service.requests, before[service.name]?.requests),
                errorsPerSecond: rate(service.errors, before[service.name]?.errors), inFlight: service.inFlight,
                p99Milliseconds: service.p99Milliseconds, breaker: service.breaker)
        }
        .sorted { $0.perSecond != $1.perSecond ? $0.perSecond > $1.perSecond : $0.service < $1.service }
        let runsBefore = Dictionary(old.tasks.map { ($0.id, $0.runCount) }, uniquingKeysWith: { first, _ in first })
        tasks = new.tasks.map { task in
            TaskRuns(
                task: task.id, state: task.state, runs: task.runCount,
                newRuns: task.runCount - (runsBefore[task.id] ?? task.runCount),
                failures: task.failureCount, nextRun: task.nextRun)
        }
        .sorted { $0.newRuns != $1.newRuns ? $0.newRuns > $1.newRuns : $0.task < $1.task }
    }

    func render(rows: Int, endpoint: String) -> String {
        func perSecond(_ value: Double) -> String { value < 10 ? String(format: "%.1f", value) : String(format: "%.0f", value) }
        let states = instances.sorted { $0.key < $1.key }.map {
            Terminal.paint("\($0.value) \($0.key)", Terminal.style(forState: $0.key) ?? .bold)
        }
        var lines = [
            Terminal.paint("plexus top  \(endpoint)  \(TimeText.absolute(Date(), zone: .current))", .bold),
            "events \(perSecond(eventsPerSecond))/s   instances: " + (states.isEmpty ? "none" : states.joined(separator: ", ")),
            "",
        ]
        let topicRows = topics.prefix(rows).map { [$0.topic, perSecond($0.perSecond), String($0.count), String($0.dropped)] }
        lines.append(Table(header: ["TOPIC", "EVENTS/S", "TOTAL", "DROPPED"], rows: topicRows, flexibleColumn: 0).render())
        if topics.count > rows { lines.append(Terminal.paint("… \(topics.count - rows) more topics", .dim)) }
        lines.append("")
        let serviceRows = services.prefix(rows).map {
            [
                $0.service, perSecond($0.perSecond), perSecond($0.errorsPerSecond), String($0.inFlight),
                $0.p99Milliseconds > 0 ? Latency.format(milliseconds: $0.p99Milliseconds) : "-", $0.breaker,
            ]
        }
        lines.append(
            Table(
                header: ["SERVICE", "CALLS/S", "ERRORS/S", "IN FLIGHT", "P99", "BREAKER"], rows: serviceRows, flexibleColumn: 0,
                style: { column, text in column == 5 ? Terminal.style(forState: text) : nil }
            ).render())
        if services.count > rows { lines.append(Terminal.paint("… \(services.count - rows) more services", .dim)) }
        lines.append("")
        let taskRows = tasks.prefix(rows).map {
            [
                $0.task, $0.state, String($0.runs), "+\($0.newRuns)", String($0.failures),
                TimeText.describe($0.nextRun, absolute: false),
            ]
        }
        lines.append(
            Table(
                header: ["TASK", "STATE", "RUNS", "NEW", "FAILS", "NEXT RUN"], rows: taskRows, flexibleColumn: 0,
                style: { column, text in column == 1 ? Terminal.style(forState: text) : nil }
            ).render())
        if tasks.count > rows { lines.append(Terminal.paint("… \(tasks.count - rows) more tasks", .dim)) }
        return lines.joined(separator: "\n")
    }
}
