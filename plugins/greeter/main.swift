import Foundation
import PlexusClient
import PlexusPlugin
import PlexusProtocol
import Synchronization

/// The example Swift plugin: greets every new user, and anyone who asks.
///
/// Subscribes to `user.created` and publishes `user.welcome` with a greeting built from its config
/// (`greeting`, default "Welcome") and the user's `name` (from a JSON payload) or the raw payload.
/// Offers the service `greeter.hello`: the request body is a name (or `{"name": …}`), the answer the greeting.
/// Handles the scheduled task `housekeeping` (topology.yaml fans it out to every example plugin) by
/// reporting how many greetings it has sent since the last run.
struct Greeter: Plugin {
    let name = "greeter"
    let type = "example"
    let version = "1.0.0"
    let subscriptions = ["user.created"]
    let services = ["greeter.hello"]
    let tasks = ["housekeeping"]
    /// Greetings since the last housekeeping run; a class because the plugin value is shared by handlers.
    private let greeted = Counter()

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    struct Config: Decodable {
        var greeting: String?
    }

    struct Welcome: Encodable {
        var message: String
        var user: String
        var seq: UInt64
    }

    func start(context: PluginContext) async throws {
        context.logger.info("greeter ready", metadata: ["greeting": "\(greeting(context))"])
    }

    func handle(event: ReceivedEvent, context: PluginContext) async throws {
        let user = Self.userName(from: event)
        let welcome = Welcome(message: "\(greeting(context)), \(user)!", user: user, seq: event.meta.seq)
        try context.publish("user.welcome", json: welcome)
        greeted.value.add(1, ordering: .relaxed)
    }

    func runTask(_ run: TaskRun, request: ServiceRequest, context: PluginContext) async throws -> String? {
        let count = greeted.value.exchange(0, ordering: .relaxed)
        context.logger.debug("housekeeping", metadata: ["run": "\(run.runID)", "greetings": "\(count)"])
        return "greeter: \(count) greeting(s) since the last run"
    }

    func serve(_ request: ServiceRequest, context: PluginContext) async throws -> [UInt8] {
        let name = Self.name(in: request.body) ?? "friend"
        guard !name.isEmpty, name.count <= 256 else { throw ServiceError(400, "bad_name", "give a name of 1 to 256 characters") }
        greeted.value.add(1, ordering: .relaxed)
        return Array("\(greeting(context)), \(name)!".utf8)
    }

    private func greeting(_ context: PluginContext) -> String {
        (try? context.config(as: Config.self).greeting) ?? "Welcome"
    }

    /// `{"name": "ada"}` → "ada"; any other payload → its text.
    static func userName(from event: ReceivedEvent) -> String {
        name(in: event.payload) ?? "friend"
    }

    static func name(in payload: [UInt8]) -> String? {
        if let object = try? JSONCoding.decode(JSONValue.self, from: payload, what: "payload"),
            let name = object["name"]?.stringValue
        {
            return name
        }
        guard let text = String(validating: payload, as: UTF8.self) else { return nil }
        return text.isEmpty ? nil : text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

await Greeter.main()
