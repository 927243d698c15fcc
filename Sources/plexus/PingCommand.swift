import ArgumentParser
import Foundation

/// `plexus ping`: one round trip.
struct PingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Round trip to the broker.")

    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let (pong, seconds) = try options.client().ping()
            emit(
                String(
                    format: "pong from %@ (broker %@, version %@) in %.3f ms", options.endpoint, pong.broker, pong.version,
                    seconds * 1000))
        }
    }
}

/// `plexus stats`: the event bus counters as JSON.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Print the event bus counters (JSON).")

    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let body = try options.client().request(.stats)
            emit(String(decoding: body.first ?? [], as: UTF8.self))
        }
    }
}
