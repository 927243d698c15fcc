import Foundation
import Hummingbird
import PlexusClient
import PlexusProtocol

/// The seeds' routes (issue 12, "Why"), answered through the same commands as `/api/v1`:
/// - NCore's extension manager: `GET /exts`, `POST /exts/load|unload|reload` (`{"name": N}`) =
///   `START`/`STOP`/`RELOAD`;
/// - the distributed-service framework: `GET /plugins/status`, `POST /plugins/{name}/restart`,
///   `POST /plugins/events/test`, `GET|POST /scheduler/tasks`, `GET /scheduler/tasks/{id}`,
///   `POST /scheduler/tasks/{id}/pause|resume|cancel`, `GET /scheduler/status`, in its envelope
///   `{"code": 200, "message": "success", "data": {...}}`.
/// Errors stay `application/problem+json`. docs/HTTP.md has the mapping.
extension HTTPAPI {
    /// The distributed-service framework's answer envelope.
    struct Envelope<Data: Encodable>: Encodable {
        var code = 200
        var message = "success"
        var data: Data
    }

    struct Extension: Encodable {
        var name: String
        var version: String
        var type: String
        var state: String
        var instances: Int
    }

    struct ExtensionBody: Decodable { var name: String }

    struct ExtensionResult: Encodable {
        var name: String
        var action: String
        var result: JSONValue
    }

    func addAliasRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/exts") { _, _ -> Response in
            let all = try await self.pool.perform { client throws(ClientError) in try client.status() }
            var byName: [String: [InstanceInfo]] = [:]
            for instance in all { byName[instance.name, default: []].append(instance) }
            let extensions = byName.keys.sorted().map { name in
                let instances = byName[name]!
                let running = instances.contains { $0.state == .running }
                return Extension(
                    name: name, version: instances[0].version, type: instances[0].type,
                    state: running ? "loaded" : instances[0].state.rawValue, instances: instances.count)
            }
            return JSONResponse.encode(["extensions": extensions])
        }
        for (action, verb) in [("load", LifecycleVerb.start), ("unload", .stop), ("reload", .reload)] {
            router.post("/exts/\(action)") { request, context -> Response in
                let name = try await self.extensionName(request, context)
                let body = try await self.pool.request(.lifecycle(verb, plugin: name))
                let result = try JSONCoding.decode(JSONValue.self, from: body.first ?? Array("null".utf8), what: "reply")
                return JSONResponse.encode(ExtensionResult(name: name, action: action, result: result))
            }
        }

        router.get("/plugins/status") { _, _ -> Response in
            let all = try await self.pool.perform { client throws(ClientError) in try client.status() }
            return JSONResponse.encode(Envelope(data: ["plugins": all]))
        }
        router.post("/plugins/{name}/restart") { _, context -> Response in
            let name = try context.parameter("name")
            let body = try await self.pool.request(.lifecycle(.restart, plugin: name))
            let instances = try JSONCoding.decode(
                [InstanceInfo].self, from: body.first ?? Array("[]".utf8), what: "RESTART reply")
            return JSONResponse.encode(Envelope(data: PluginDetail(name: name, instances: instances, config: nil)))
        }
        router.post("/plugins/events/test") { request, context -> Response in
            let body = try await Self.body(request, context)
            let publish =
                body.isEmpty
                ? PublishBody(topic: "events.test", payload: .string("test event"), headers: nil)
                : try Self.decode(PublishBody.self, body, what: "test event")
            let event = PublishRequest(topic: publish.topic, payload: publish.payloadBytes, headers: publish.headers ?? [:])
            let seq = try await self.pool.perform { client throws(ClientError) in try client.publish(event) }
            return JSONResponse.encode(Envelope(data: SeqTopic(topic: event.topic, seq: seq)))
        }

        router.get("/scheduler/tasks") { _, _ -> Response in
            let tasks = try await self.allTasks()
            return JSONResponse.encode(Envelope(data: ["tasks": tasks]))
        }
        router.post("/scheduler/tasks") { request, context -> Response in
            let definition = try SeedTask.definition(from: try await Self.body(request, context))
            let body = try await self.pool.request(.tasks(.add, argument: definition))
            return try Self.taskEnvelope(body, status: .created)
        }
        router.get("/scheduler/tasks/{id}") { _, context -> Response in
            try Self.taskEnvelope(try await self.pool.request(.tasks(.show, argument: try context.parameter("id"))))
        }
        for verb in [TaskVerb.pause, .resume, .cancel] {
            router.post("/scheduler/tasks/{id}/\(verb.rawValue.lowercased())") { _, context -> Response in
                try Self.taskEnvelope(try await self.pool.request(.tasks(verb, argument: try context.parameter("id"))))
            }
        }
        router.get("/scheduler/status") { _, _ -> Response in
            let tasks = try await self.allTasks()
            let stats = try await self.pool.perform { client throws(ClientError) in try client.stats() }
            var states: [String: Int] = [:]
            for task in tasks { states[task["state"]?.stringValue ?? "unknown", default: 0] += 1 }
            return JSONResponse.encode(
                Envelope(
                    data: SchedulerStatus(
                        running: true, taskCount: tasks.count, states: states, jitter: stats.taskJitter,
                        storage: stats.taskStorage)))
        }
    }

    struct SeqTopic: Encodable {
        var topic: String
        var seq: UInt64
    }

    struct SchedulerStatus: Encodable {
        var running: Bool
        var taskCount: Int
        var states: [String: Int]
        var jitter: StatsReply.TaskJitter?
        var storage: StatsReply.TaskStorage?

        enum CodingKeys: String, CodingKey {
            case running, states, jitter, storage
            case taskCount = "task_count"
        }
    }

    /// `{"code": 200, "message": "success", "data": {"task": ...}}` around a task object.
    static func taskEnvelope(_ body: [[UInt8]], status: HTTPResponse.Status = .ok) throws -> Response {
        let task = try JSONCoding.decode(JSONValue.self, from: body.first ?? Array("null".utf8), what: "task")
        return JSONResponse.encode(Envelope(code: Int(status.code), data: ["task": task]), status: status)
    }

    /// Every task, every page of `TASKS LIST`.
    func allTasks() async throws -> [JSONValue] {
        var all: [JSONValue] = []
        var page = PageRequest(offset: 0, limit: PageRequest.maxLimit)
        for _ in 0..<1_000 {
            let body = try await pool.request(.tasks(.list, argument: String(decoding: JSONCoding.encode(page), as: UTF8.self)))
            all += try JSONCoding.decode([JSONValue].self, from: body.first ?? Array("[]".utf8), what: "TASKS LIST reply")
            let info = try body.dropFirst().first.map { frame throws(ProtocolError) in
                try JSONCoding.decode(PageInfo.self, from: frame, what: "TASKS LIST page")
            }
            guard let next = info?.nextOffset, next > page.offset else { break }
            page.offset = next
        }
        return all
    }

    /// The extension's name from `{"name": N}` or `?name=N`.
    func extensionName(_ request: Request, _ context: HTTPRequestContext) async throws -> String {
        if let name = request.query["name"], !name.isEmpty { return name }
        return try Self.decode(ExtensionBody.self, try await Self.body(request, context), what: "extension").name
    }
}
