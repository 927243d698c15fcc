import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus shutdown`: stops the mesh the way Ctrl-C does, and waits until the broker is gone.
struct ShutdownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shutdown",
        abstract: "Stop the broker and its plugins the way Ctrl-C does (plugins in reverse dependency order).")
    @Flag(help: "Return once the broker has answered, without waiting for it to be gone.") var noWait = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let timeout = options.seconds(default: 30)
            let reply = try options.client(defaultTimeout: timeout).request(.shutdown, as: ShutdownReply.self)
            if output.isJSON {
                output.emitJSON(reply)
            } else {
                emit("broker \(reply.broker) is shutting down (\(reply.instances) supervised instances to stop)")
            }
            guard !noWait else { return }
            // Gone means nothing listens on the control endpoint any more.
            let deadline = Date().addingTimeInterval(timeout)
            while ReachabilityProbe.problem(reaching: options.endpoint, timeout: 0.5) == nil {
                if Date() >= deadline { throw fail("the broker still answers after \(timeout) s") }
                Thread.sleep(forTimeInterval: 0.1)
            }
            if !output.isJSON { emit("stopped") }
        }
    }
}
