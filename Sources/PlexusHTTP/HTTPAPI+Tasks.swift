import Hummingbird
import PlexusClient
import PlexusProtocol

/// Scheduled tasks: `TASKS LIST|SHOW|ADD|REMOVE|PAUSE|RESUME|CANCEL|TRIGGER`.
extension HTTPAPI {
    static let taskSortFields = ["id", "state", "next_run", "last_run", "runs"]

    func addTaskRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/api/v1/tasks") { request, _ -> Response in
            try await self.tasks(try ListQuery.parse(request.query, sortable: Self.taskSortFields))
        }
        router.post("/api/v1/tasks") { request, context -> Response in
            try await self.addTask(try await Self.body(request, context))
        }
        router.get("/api/v1/tasks/{id}") { _, context -> Response in
            try await self.passThrough(.tasks(.show, argument: try context.parameter("id")))
        }
        router.delete("/api/v1/tasks/{id}") { _, context -> Response in
            try await self.passThrough(.tasks(.remove, argument: try context.parameter("id")))
        }
        for verb in [TaskVerb.pause, .resume, .cancel, .trigger] {
            router.post("/api/v1/tasks/{id}/\(verb.rawValue.lowercased())") { _, context -> Response in
                try await self.passThrough(.tasks(verb, argument: try context.parameter("id")))
            }
        }
    }

    /// `TASKS ADD` with the body (a JSON or YAML definition, as the broker reads it): 201 and the task.
    func addTask(_ body: [UInt8]) async throws -> Response {
        guard let text = String(validating: body, as: UTF8.self), !text.isEmpty else {
            throw Problem.badRequest("the task definition must be a non-empty UTF-8 JSON or YAML object")
        }
        return try await passThrough(.tasks(.add, argument: text), status: .created)
    }

    /// `TASKS LIST` pages with a JSON argument rather than the paging frame of the other lists.
    func tasks(_ query: ListQuery) async throws -> Response {
        if !query.shapesLocally {
            let body = try await pool.request(
                .tasks(.list, argument: String(decoding: JSONCoding.encode(query.page), as: UTF8.self)))
            return JSONResponse.list(items: body.first ?? [], page: body.dropFirst().first)
        }
        var all: [JSONValue] = []
        var page = PageRequest(offset: 0, limit: PageRequest.maxLimit)
        for _ in 0..<1_000 {
            let argument = String(decoding: JSONCoding.encode(page), as: UTF8.self)
            let body = try await pool.request(.tasks(.list, argument: argument))
            all += try JSONCoding.decode([JSONValue].self, from: body.first ?? Array("[]".utf8), what: "TASKS LIST reply")
            let info = try body.dropFirst().first.map { frame throws(ProtocolError) in
                try JSONCoding.decode(PageInfo.self, from: frame, what: "TASKS LIST page")
            }
            guard let next = info?.nextOffset, next > page.offset else { break }
            page.offset = next
        }
        let (items, info) = query.apply(to: all, nameField: "id")
        return JSONResponse.list(items, info)
    }
}
