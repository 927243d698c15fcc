import Foundation
import Logging
import ServiceLifecycle

/// Runs a `Broker` as a swift-service-lifecycle `Service`: the loop gets a thread of its own, and a
/// graceful shutdown (SIGTERM, SIGINT, or the group ending) stops it the protocol's way.
///
/// Later services (supervisor, scheduler, HTTP API) join the same `ServiceGroup`.
public struct BrokerService: Service {
    public let broker: Broker

    public init(broker: Broker) {
        self.broker = broker
    }

    public func run() async throws {
        let broker = self.broker
        let thread = Thread { broker.run() }
        thread.name = "plexus-broker-loop"
        thread.start()
        await withGracefulShutdownHandler {
            await broker.waitUntilFinished()
        } onGracefulShutdown: {
            broker.requestStop()
        }
    }
}
