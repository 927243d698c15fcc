import CoreMetrics
import Foundation
import Hummingbird
import Logging
import PlexusBroker
import PlexusClient
import PlexusProtocol
import ZeroMQ

/// The routes of the HTTP API and what they share: the control pool, the sessions, the open streams.
/// Each route file (`HTTPAPI+Plugins.swift`, ...) adds one group of routes; every handler maps its
/// request to `ClientCommand`s, sends them through `pool`, and shapes the answer.
final class HTTPAPI: Sendable {
    let broker: Broker
    let pool: ControlPool
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let policy: AccessPolicy
    let sessions = SessionStore()
    let streams = StreamRegistry()
    /// The event streams' SUB sockets share one ZeroMQ context (its I/O thread).
    let zmqContext: ZMQContext
    /// Events dropped because an SSE client's queue was full, over every stream.
    let streamOverflows: CoreMetrics.Counter

    init(broker: Broker, pool: ControlPool, configuration: HTTPServerConfiguration, logger: Logger) throws {
        self.broker = broker
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
        policy = AccessPolicy(tokens: configuration.tokens)
        streamOverflows = CoreMetrics.Counter(label: "plexus_http_sse_dropped_total", factory: broker.metrics.factory)
        zmqContext = try ZMQContext()
    }

    func makeRouter() -> Router<HTTPRequestContext> {
        let router = Router(context: HTTPRequestContext.self)
        router.add(middleware: HTTPMetricsMiddleware(factory: broker.metrics.factory))
        router.add(middleware: ProblemMiddleware(routes: RouteTable(openAPI: OpenAPIDocument.json)))
        router.add(middleware: AccessMiddleware(policy: policy, sessions: sessions, logger: logger))
        addHealthRoutes(to: router)
        addConsoleRoutes(to: router)
        addBrokerRoutes(to: router)
        addPluginRoutes(to: router)
        addLogRoutes(to: router)
        addTopologyRoutes(to: router)
        addEventRoutes(to: router)
        addStreamRoutes(to: router)
        addServiceRoutes(to: router)
        addTaskRoutes(to: router)
        addSessionRoutes(to: router)
        addMetricsRoutes(to: router)
        addAliasRoutes(to: router)
        addOpenAPIRoutes(to: router)
        return router
    }

    /// Sends a list command with the query's page, or (for `sort`/`name`) reads the whole list and
    /// shapes it here.
    func list(_ command: ClientCommand, _ query: ListQuery, nameField: String = "name") async throws -> Response {
        if query.shapesLocally {
            let all = try await pool.perform { client throws(ClientError) in try client.requestAll(command, as: JSONValue.self) }
            let (items, info) = query.apply(to: all, nameField: nameField)
            return JSONResponse.list(items, info)
        }
        let body = try await pool.request(command, page: query.page)
        return JSONResponse.list(items: body.first ?? [], page: body.dropFirst().first)
    }

    /// The first body frame of a command's answer, as the response body.
    func passThrough(_ command: ClientCommand, status: HTTPResponse.Status = .ok) async throws -> Response {
        let body = try await pool.request(command)
        return JSONResponse.raw(body.first ?? Array("{}".utf8), status: status)
    }
}
