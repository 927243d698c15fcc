import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus subscribe PATTERN...`: print events as they pass through the broker.
struct SubscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Print events matching patterns (user.created, user.*, user.>, >).",
        discussion: """
            --timeout bounds finding the broker. Given explicitly, it also bounds the whole capture: the \
            command then exits when it passes, with an error if --count events had not arrived.
            """)

    @Argument(help: "Subscription patterns.")
    var patterns: [String]

    @Option(help: "Exit after this many events.")
    var count: Int?

    @Flag(help: "One JSON object per line: topic, seq, time, time_us, source, headers, data (or data_base64).")
    var json = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard !patterns.isEmpty else { throw ValidationError("give at least one pattern") }
        for pattern in patterns {
            do { _ = try TopicPattern(pattern) } catch { throw ValidationError("invalid pattern: \(error.message)") }
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let explicitTimeout = options.timeout != nil
        try runClient {
            let endpoints = try options.client().discover()
            let subscriber = try EventSubscriber(endpoint: endpoints.eventsOut, patterns: patterns)
            let deadline = explicitTimeout ? Date().addingTimeInterval(options.seconds()) : nil
            var received = 0
            while count.map({ received < $0 }) ?? true {
                let wait = deadline.map { $0.timeIntervalSinceNow } ?? 3600
                if wait <= 0 { break }
                guard let event = try subscriber.next(timeout: wait) else { continue }
                emit(json ? EventLine(event).json() : EventLine(event).text())
                received += 1
            }
            if let count, received < count {
                throw fail("received \(received) of \(count) events within \(options.seconds()) s")
            }
        }
    }
}

/// How `subscribe` prints an event.
struct EventLine: Encodable {
    var topic: String
    var seq: UInt64
    var time: String
    var timeMicroseconds: Int64
    var source: String
    var headers: [String: String]?
    var data: String?
    var dataBase64: String?

    init(_ event: ReceivedEvent) {
        topic = event.topic
        seq = event.meta.seq
        timeMicroseconds = event.meta.time
        time = Self.iso8601(microseconds: event.meta.time)
        source = event.meta.source
        headers = event.meta.headers.isEmpty ? nil : event.meta.headers
        if let text = event.text { data = text } else { dataBase64 = Data(event.payload).base64EncodedString() }
    }

    enum CodingKeys: String, CodingKey {
        case topic, seq, time, source, headers, data
        case timeMicroseconds = "time_us"
        case dataBase64 = "data_base64"
    }

    func json() -> String { String(decoding: JSONCoding.encode(self), as: UTF8.self) }

    func text() -> String {
        "[\(seq)] \(time) \(topic) from \(source): " + (data ?? "<\(dataBase64?.count ?? 0) base64 chars>")
    }

    static func iso8601(microseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
        var format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        format.timeZone = .gmt
        return date.formatted(format)
    }
}
