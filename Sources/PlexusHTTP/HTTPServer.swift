import Foundation
import Hummingbird
import Logging
import NIOCore
import PlexusBroker
import PlexusClient
import PlexusProtocol
import ServiceLifecycle

/// The broker's HTTP management API as a swift-service-lifecycle `Service`: it joins the broker's
/// `ServiceGroup` after `BrokerService` and so stops before it, gracefully (open event streams end).
///
/// Every route answers by sending the CLI's `ClientCommand`s to the broker's own control endpoint
/// (`Broker.client`, over `inproc://`) through a `ControlPool`; docs/HTTP.md lists the routes.
///
/// ```swift
/// let http = HTTPServer(broker: broker, configuration: HTTPServerConfiguration(address: .defaultAddress)) { url in
///     print("HTTP API on \(url)")
/// }
/// let group = ServiceGroup(services: [BrokerService(broker: broker), http], logger: logger)
/// ```
public final class HTTPServer: Service, Sendable {
    public let configuration: HTTPServerConfiguration
    let api: HTTPAPI
    let logger: Logger
    private let onBound: @Sendable (String) async -> Void

    /// - Parameter onBound: called once the socket is bound, with the API's base URL
    ///   (`http://127.0.0.1:7703`), before any request is served.
    /// - Throws: when the event streams' ZeroMQ context cannot be made (the process is out of descriptors).
    public init(
        broker: Broker, configuration: HTTPServerConfiguration, logger: Logger = Logger(label: "plexus.http"),
        onBound: @escaping @Sendable (String) async -> Void = { _ in }
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.onBound = onBound
        let timeout = configuration.controlTimeout
        let pool = ControlPool(maxClients: configuration.maxControlClients, acquireTimeout: timeout) { () throws(ClientError) in
            try broker.client(timeout: timeout)
        }
        api = try HTTPAPI(broker: broker, pool: pool, configuration: configuration, logger: logger)
    }

    public func run() async throws {
        let responder = HeadResponder(inner: api.makeRouter().buildResponder())
        let address = configuration.address
        let onBound = self.onBound
        let logger = self.logger
        let streams = api.streams
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "plexus"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                let url = "http://\(HTTPListenAddress(host: address.host, port: port))"
                logger.info("HTTP API ready", metadata: ["url": "\(url)"])
                await onBound(url)
            },
            logger: logger)
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: {
            // Open event streams never end on their own: end them so that the server can drain.
            streams.closeAll()
        }
    }
}
