import Foundation
import PlexusBroker
import PlexusProtocol
import PlexusTesting
import PlexusTopology

/// A broker on ephemeral loopback ports, running on a thread of its own for the length of a benchmark.
final class LocalBroker {
    let broker: Broker
    private let thread: JoinableThread

    /// `dataDirectory` gives the broker its event log (and task database); `events` its settings.
    init(
        topology: Topology? = nil, eventsHighWaterMark: Int32? = nil, dataDirectory: String? = nil,
        events: EventsSection = EventsSection()
    ) throws {
        var configuration = BrokerConfiguration(
            controlEndpoint: "tcp://127.0.0.1:*", eventsInEndpoint: "tcp://127.0.0.1:*",
            eventsOutEndpoint: "tcp://127.0.0.1:*", topology: topology, eventsHighWaterMark: eventsHighWaterMark,
            dataDirectory: dataDirectory)
        configuration.events = events
        broker = try Broker(configuration: configuration)
        let broker = self.broker
        thread = JoinableThread { broker.run() }
    }

    var endpoints: BoundEndpoints { broker.endpoints }

    /// Stops the broker (and the plugins it supervises) and waits for its loop to end.
    func stop() {
        broker.requestStop()
        thread.joinOrExit("the broker loop")
    }
}
