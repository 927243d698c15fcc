import PlexusClient
import PlexusPlugin
import PlexusProtocol

/// The example Swift plugin: greets every new user.
///
/// Subscribes to `user.created` and publishes `user.welcome` with a greeting built from its config
/// (`greeting`, default "Welcome") and the user's `name` (from a JSON payload) or the raw payload.
struct Greeter: Plugin {
    let name = "greeter"
    let type = "example"
    let version = "1.0.0"
    let subscriptions = ["user.created"]

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
    }

    private func greeting(_ context: PluginContext) -> String {
        (try? context.config(as: Config.self).greeting) ?? "Welcome"
    }

    /// `{"name": "ada"}` → "ada"; any other payload → its text.
    static func userName(from event: ReceivedEvent) -> String {
        if let object = try? JSONCoding.decode(JSONValue.self, from: event.payload, what: "payload"),
            let name = object["name"]?.stringValue
        {
            return name
        }
        return event.text ?? "friend"
    }
}

await Greeter.main()
