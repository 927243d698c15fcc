import Hummingbird
import PlexusClient
import PlexusProtocol

/// Services: the table (`SERVICES`: stats and breaker state) and calls (`CALL`).
extension HTTPAPI {
    static let serviceSortFields = ["name", "breaker", "requests", "errors", "in_flight", "queued", "avg_ms", "p99_ms"]

    func addServiceRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/api/v1/services") { request, _ -> Response in
            try await self.list(.services, try ListQuery.parse(request.query, sortable: Self.serviceSortFields))
        }
        // The body goes to the service as it is; the answer is the service's reply body as it is.
        router.post("/api/v1/services/{name}/call") { request, context -> Response in
            let name = try context.parameter("name")
            if let problem = ServiceName.validationError(name) { throw Problem.badRequest(problem) }
            let query = request.query
            var options = CallOptions()
            options.timeoutMilliseconds =
                try query.integer("timeout_ms", in: 1...CallOptions.maxTimeoutMilliseconds) ?? options.timeoutMilliseconds
            options.idempotent = try query.boolean("idempotent") ?? false
            let body = try await Self.body(request, context)
            let callOptions = options
            let reply = try await self.pool.perform { client throws(ClientError) in
                try client.call(name, body: body, options: callOptions)
            }
            let isJSON = (try? JSONCoding.decode(JSONValue.self, from: reply, what: "reply")) != nil
            return JSONResponse.raw(reply, contentType: isJSON ? "application/json" : "application/octet-stream")
        }
    }
}
