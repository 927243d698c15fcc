import ArgumentParser
import Foundation
import Logging
import PlexusBroker
import PlexusHTTP
import PlexusProtocol
import PlexusTopology
import ServiceLifecycle

/// `plexus broker`: bind the endpoints and serve until SIGINT or SIGTERM.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "Run the broker.")

    @Option(help: "The topology file (endpoints from its broker: section, plugin config blocks).")
    var topology: String?

    @Option(help: "Control endpoint (ROUTER). A port '*' binds an ephemeral port.")
    var control: String?

    @Option(name: .customLong("events-in"), help: "Endpoint publishers' PUB sockets connect to.")
    var eventsIn: String?

    @Option(name: .customLong("events-out"), help: "Endpoint subscribers' SUB sockets connect to.")
    var eventsOut: String?

    @Option(
        help: """
            Data directory for the task database (default: the topology's broker.data, else .plexus next to \
            the topology file; without either, tasks are kept in memory only).
            """)
    var data: String?

    @Option(name: .customLong("ready-file"), help: "When ready, write the bound endpoints here as JSON.")
    var readyFile: String?

    @Option(
        help: """
            The HTTP management API's address, HOST:PORT (port '*' for an ephemeral one), or 'off'. Wins over \
            the topology's broker.http; without either the API is off. Non-loopback needs broker.http_tokens.
            """)
    var http: String?

    /// The SSE heartbeat's interval (tests make it short); 15 s by default.
    @Option(name: .customLong("http-heartbeat-ms"), help: .hidden)
    var httpHeartbeatMilliseconds: Int?

    /// Items an SSE client's queue holds (tests make it small to provoke an overflow); 1,024 by default.
    @Option(name: .customLong("http-stream-queue"), help: .hidden)
    var httpStreamQueue: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("log-format"), help: "text (for people) or json (one object per line, for machines).")
    var logFormat: BrokerLogHandler.Format = .text

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        let format = logFormat
        LoggingSystem.bootstrap { label in BrokerLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "plexus.broker")

        var configuration = BrokerConfiguration()
        if let topology {
            do {
                let parsed = try Topology.load(path: topology)
                configuration.topology = parsed
                configuration.topologyPath = topology
                configuration.controlEndpoint = parsed.broker.control ?? configuration.controlEndpoint
                configuration.eventsInEndpoint = parsed.broker.eventsIn ?? configuration.eventsInEndpoint
                configuration.eventsOutEndpoint = parsed.broker.eventsOut ?? configuration.eventsOutEndpoint
                configuration.heartbeatIntervalMilliseconds =
                    parsed.broker.heartbeatMilliseconds ?? configuration.heartbeatIntervalMilliseconds
                configuration.heartbeatLiveness = parsed.broker.liveness ?? configuration.heartbeatLiveness
                configuration.maxEventBytes = parsed.broker.maxEventBytes ?? configuration.maxEventBytes
                configuration.subscriberQueueBytes = parsed.broker.subscriberQueueBytes ?? configuration.subscriberQueueBytes
                configuration.maxSessions = parsed.broker.maxSessions ?? configuration.maxSessions
                configuration.dataDirectory = parsed.broker.data ?? "\(parsed.baseDirectory)/.plexus"
                configuration.maxTasks = parsed.broker.maxTasks ?? configuration.maxTasks
                configuration.events = parsed.events
            } catch {
                throw fail("\(error)")
            }
        }
        configuration.controlEndpoint = control ?? configuration.controlEndpoint
        configuration.eventsInEndpoint = eventsIn ?? configuration.eventsInEndpoint
        configuration.eventsOutEndpoint = eventsOut ?? configuration.eventsOutEndpoint
        configuration.dataDirectory = data ?? configuration.dataDirectory
        let httpConfiguration: HTTPServerConfiguration?
        do {
            httpConfiguration = try BrokerHTTP.configuration(
                flag: http, topology: configuration.topology, topologyPath: configuration.topologyPath,
                heartbeatMilliseconds: httpHeartbeatMilliseconds, streamQueue: httpStreamQueue)
        } catch {
            throw fail("HTTP API: \(error.message)")
        }
        if configuration.dataDirectory == nil {
            logger.notice("no data directory (--data or a topology file): scheduled tasks are kept in memory only")
        }

        let broker: Broker
        do {
            broker = try Broker(configuration: configuration, logger: logger)
        } catch let error as TaskStoreError {
            throw fail("cannot start the broker: \(error.startupMessage)")
        } catch {
            throw fail("cannot start the broker: \(error)")
        }
        // The broker ends by itself after SHUTDOWN: the group then stops the way SIGTERM stops it.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: BrokerService(broker: broker), successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let httpConfiguration {
            // The ready file waits for the HTTP socket, so that whoever reads it can use the API at once.
            let endpoints = broker.endpoints
            let readyFile = self.readyFile
            let http = try HTTPServer(broker: broker, configuration: httpConfiguration, logger: Logger(label: "plexus.http")) {
                url in
                guard let readyFile else { return }
                do {
                    try Self.writeReadyFile(endpoints, http: url, to: readyFile)
                } catch {
                    logger.error("cannot write the ready file", metadata: ["path": "\(readyFile)", "error": "\(error)"])
                    broker.requestStop()
                }
            }
            services.append(.init(service: http))
        } else if let readyFile {
            try Self.writeReadyFile(broker.endpoints, http: nil, to: readyFile)
        }

        // SIGHUP re-reads the topology file and applies it, as daemons do.
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { broker.requestTopologyReload() }
        hangup.resume()
        defer { hangup.cancel() }

        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// The ready file: the bound endpoints, and the broker's pid so that a script (or a test) can signal
    /// the broker itself even when it runs in a pipeline.
    private struct ReadyFile: Encodable {
        var endpoints: BoundEndpoints
        var pid: Int32
        /// The HTTP API's base URL, when it is on.
        var http: String?

        func encode(to encoder: any Encoder) throws {
            try endpoints.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(pid, forKey: .pid)
            try container.encodeIfPresent(http, forKey: .http)
        }

        enum CodingKeys: String, CodingKey { case pid, http }
    }

    /// Writes atomically (temporary file, then rename) so that a watcher never reads half a file.
    private static func writeReadyFile(_ endpoints: BoundEndpoints, http: String?, to path: String) throws {
        let data = JSONCoding.encode(ReadyFile(endpoints: endpoints, pid: getpid(), http: http))
        do {
            try Data(data).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw fail("cannot write the ready file \(path): \(error.localizedDescription)")
        }
    }
}
