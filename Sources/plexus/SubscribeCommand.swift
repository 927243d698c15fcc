import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTopology

/// `plexus subscribe PATTERN...`: print events as they pass through the broker, gaps repaired from the log.
struct SubscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Print events matching patterns (user.created, user.*, user.>, >).",
        discussion: """
            Events come exactly once and in order per topic: a gap seen in `prev` or in the broker's \
            heartbeat is filled from the event log. Events the log cannot give are reported as lost: one \
            line on standard error, and with --json also a line {"lost": {"first": A, "last": B, \
            "reason": TEXT, "topic": T}} on standard output (topic absent when the loss is not on one topic).

            --from-seq, --since and --last first print stored events, then go on live without a gap or a \
            duplicate. --timeout bounds finding the broker. Given explicitly, it also bounds the whole \
            capture: the command then exits when it passes, with an error if --count events had not arrived.
            """)

    @Argument(help: "Subscription patterns.")
    var patterns: [String]

    @Option(help: "Exit after this many events.")
    var count: Int?

    @Flag(help: "One JSON object per line: topic, seq, prev, time, time_us, source, headers, data (or data_base64).")
    var json = false

    @Option(name: .customLong("from-seq"), help: "First print the stored events from this seq on.")
    var fromSeq: UInt64?

    @Option(help: "First print the stored events since a duration ago (10m, 2h, 1d) or an ISO-8601 time.")
    var since: String?

    @Option(help: "First print the last N stored events of each pattern.")
    var last: Int?

    @Flag(help: "Also print the SDKs' subscription probes (plexus.sync.…), hidden by default.")
    var probes = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard !patterns.isEmpty else { throw ValidationError("give at least one pattern") }
        for pattern in patterns {
            do { _ = try TopicPattern(pattern) } catch { throw ValidationError("invalid pattern: \(error.message)") }
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard [fromSeq != nil, since != nil, last != nil].filter({ $0 }).count <= 1 else {
            throw ValidationError("--from-seq, --since and --last exclude each other")
        }
        if let last, !(1...ReplayRequest.maxLast).contains(last) {
            throw ValidationError("--last must be from 1 to \(ReplayRequest.maxLast)")
        }
        if let since { _ = try Self.startTime(since) }
    }

    /// Where the replay starts, from the options.
    func start() throws -> ReplayStart? {
        if let fromSeq { return .seq(fromSeq) }
        if let since { return .time(try Self.startTime(since)) }
        if let last { return .last(last) }
        return nil
    }

    /// `--since`: a duration before now, or an ISO-8601 time; µs since the Unix epoch.
    static func startTime(_ text: String, now: Date = Date()) throws -> Int64 {
        if let milliseconds = DurationValue.milliseconds(text) {
            return Int64(now.timeIntervalSince1970 * 1_000_000) - milliseconds * 1_000
        }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = (try? withFraction.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)) {
            return Int64(date.timeIntervalSince1970 * 1_000_000)
        }
        throw ValidationError("--since takes a duration (10m, 2h, 1d) or an ISO-8601 time (2026-01-31T12:00:00Z)")
    }

    func run() throws {
        let explicitTimeout = options.timeout != nil
        try runClient {
            let client = try options.client()
            let endpoints = try client.discover()
            let subscriber = try ReliableSubscriber(
                control: client, eventsOut: endpoints.eventsOut, patterns: patterns, start: try start())
            let deadline = explicitTimeout ? Date().addingTimeInterval(options.seconds()) : nil
            var received = 0
            while count.map({ received < $0 }) ?? true {
                let wait = deadline.map { $0.timeIntervalSinceNow } ?? 3600
                if wait <= 0 { break }
                guard let delivery = try subscriber.next(timeout: wait) else { continue }
                switch delivery {
                case .event(let event):
                    if !probes, Topic.isProbe(event.topic) { continue }
                    emit(json ? EventLine(event).json() : EventLine(event).text())
                    received += 1
                case .lost(let loss):
                    warn("plexus: \(loss)")
                    if json { emit(LossLine(loss).json()) }
                case .epochChanged(let from, let to):
                    warn("plexus: the broker's event sequence changed (epoch \(from ?? "?") → \(to)); seqs start again")
                }
            }
            subscriber.report()
            if let count, received < count {
                throw fail("received \(received) of \(count) events within \(options.seconds()) s")
            }
        }
    }
}
