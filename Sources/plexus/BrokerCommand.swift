import ArgumentParser
import Foundation
import Logging
import PlexusBroker
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

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
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
        if let readyFile { try writeReadyFile(broker.endpoints, to: readyFile) }

        // SIGHUP re-reads the topology file and applies it, as daemons do.
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { broker.requestTopologyReload() }
        hangup.resume()
        defer { hangup.cancel() }

        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                // The broker ends by itself after SHUTDOWN: the group then stops the way SIGTERM stops it.
                services: [.init(service: BrokerService(broker: broker), successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// The ready file: the bound endpoints, and the broker's pid so that a script (or a test) can signal
    /// the broker itself even when it runs in a pipeline.
    private struct ReadyFile: Encodable {
        var endpoints: BoundEndpoints
        var pid: Int32

        func encode(to encoder: any Encoder) throws {
            try endpoints.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(pid, forKey: .pid)
        }

        enum CodingKeys: String, CodingKey { case pid }
    }

    /// Writes atomically (temporary file, then rename) so that a watcher never reads half a file.
    private func writeReadyFile(_ endpoints: BoundEndpoints, to path: String) throws {
        let data = JSONCoding.encode(ReadyFile(endpoints: endpoints, pid: getpid()))
        do {
            try Data(data).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw fail("cannot write the ready file \(path): \(error.localizedDescription)")
        }
    }
}
