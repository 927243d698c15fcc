import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus publish TOPIC [DATA]`: put an event on the bus through the control endpoint.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an event.",
        discussion: """
            The event goes through the control endpoint, so it reaches the broker even from a short-lived \
            process. With --ack the command waits for the broker's confirmation and prints the sequence \
            number it stamped; without it, the command returns once the event is handed to ZeroMQ. The \
            payload is read from standard input only when it is not a terminal, or when DATA is '-'. \
            --count N publishes the event N times (as nats pub --count), each acknowledged with --ack.
            """)

    @Argument(help: "Dot-separated topic, e.g. user.created.")
    var topic: String

    @Argument(help: "The payload; '-' reads standard input, as does absent when standard input is not a terminal.")
    var data: String?

    @Option(name: .customLong("header"), help: "A header K=V (repeatable).")
    var headers: [String] = []

    @Flag(help: "Wait for the broker's acknowledgement and print the sequence number.")
    var ack = false

    @Option(help: "Publish the event this many times.")
    var count = 1

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let problem = Topic.validationError(topic) { throw ValidationError("invalid topic: \(problem)") }
        for header in headers where !header.contains("=") || header.hasPrefix("=") {
            throw ValidationError("--header takes KEY=VALUE, got '\(header)'")
        }
        guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be from 1 to 10000000") }
    }

    func run() throws {
        try runClient {
            let client = try options.client()
            // Ask first: it proves a broker is there, and says how large an event it takes.
            let limits = try client.discover()
            let limit = min(limits.maxEventBytes ?? Int(PlexusConstants.maxMessageBytes), Int(PlexusConstants.maxMessageBytes))
            var headerMap: [String: String] = [:]
            for header in headers {
                let parts = header.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                headerMap[String(parts[0])] = String(parts[1])
            }
            let payload: [UInt8]
            if let data, data != "-" {
                payload = Array(data.utf8)
            } else if data == nil, isatty(STDIN_FILENO) == 1 {
                // At a terminal, waiting silently for a payload looks like a hang: an empty event it is.
                payload = []
            } else {
                payload = try Self.readStandardInput(upTo: limit + 1)
            }
            let size = topic.utf8.count + payload.count + (headerMap.isEmpty ? 0 : JSONCoding.encode(headerMap).count)
            guard size <= limit else {
                throw fail(
                    "the event has more than \(limit) bytes, the broker's limit for one event (broker.max_event_bytes); "
                        + "it was not sent")
            }
            let event = PublishRequest(topic: topic, payload: payload, headers: headerMap)
            for _ in 0..<count {
                if ack {
                    let seq = try client.publish(event)
                    if output.isJSON { output.emitJSON(PublishReply(seq: seq)) } else { emit("published \(topic) seq=\(seq)") }
                } else {
                    try client.send(.publish(event))
                }
            }
            if !ack, count > 1, !output.isJSON { emit("published \(topic) \(count) times") }
        }
    }

    /// Reads standard input, at most `limit` bytes (one past the broker's limit is enough to refuse it).
    private static func readStandardInput(upTo limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < limit {
            guard let chunk = try FileHandle.standardInput.read(upToCount: min(1 << 20, limit - bytes.count)), !chunk.isEmpty
            else { break }
            bytes += chunk
        }
        return bytes
    }
}
