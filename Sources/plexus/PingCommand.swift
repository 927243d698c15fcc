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
            // Readiness: every enabled supervised instance running and not critical.
            if pong.ready == true {
                emit("ready")
            } else if let reasons = pong.notReady, !reasons.isEmpty {
                emit("not ready: " + reasons.joined(separator: "; "))
            }
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
