import Foundation
import PlexusClient
import PlexusProtocol

/// A Plexus plugin written in Swift.
///
/// Declare who the plugin is and what it listens to; the SDK registers it with the broker, delivers its
/// config, sends heartbeats, reconnects when the broker goes away, and calls the hooks.
///
/// ```swift
/// @main
/// struct Greeter: Plugin {
///     let name = "greeter"
///     let type = "example"
///     let version = "1.0.0"
///     let subscriptions = ["user.created"]
///
///     func handle(event: ReceivedEvent, context: PluginContext) async throws {
///         try context.publish("user.welcome", text: "welcome!")
///     }
/// }
/// ```
/// The control endpoint comes from `PLEXUS_BROKER` (else `tcp://127.0.0.1:7700`).
public protocol Plugin: Sendable {
    /// The plugin's name, which also selects its `config:` block in the broker's topology.
    var name: String { get }
    /// A free-form kind (`example`, `storage`, …) that topology dependencies can name.
    var type: String { get }
    /// The plugin's version, reported in the registry.
    var version: String { get }
    /// Subscription patterns (`user.created`, `user.*`, `user.>`); matching events go to `handle`.
    var subscriptions: [String] { get }
    /// Services the plugin offers; requests go to `serve`.
    var services: [String] { get }
    /// Scheduled-task handlers the plugin offers; the broker's runs of tasks that target them go to
    /// `runTask`. They are registered as services, so a task's `service:` names one of them.
    var tasks: [String] { get }
    /// How many service requests (task runs included) this instance handles at once.
    var concurrency: Int { get }

    /// Called once the broker has welcomed the plugin, before it reports ready. Throwing ends the plugin.
    func start(context: PluginContext) async throws
    /// Called for each event matching `subscriptions`, one at a time, exactly once and in order per topic:
    /// gaps are repaired from the broker's event log before later events are handed on.
    func handle(event: ReceivedEvent, context: PluginContext) async throws
    /// Called once when the plugin is told to stop (by the broker, SIGTERM or SIGINT).
    func stop(context: PluginContext) async
    /// Called when the broker delivers a new config block (`plexus reload`, `plexus apply`, or a changed
    /// config after a re-registration). `context.config` already holds it.
    func reload(config: JSONValue, context: PluginContext) async throws
    /// Answers a request to one of `services`. Each request runs in its own task; throw `ServiceError` to
    /// answer with a code, and check `request.isCancelled` (or task cancellation) in long work.
    func serve(_ request: ServiceRequest, context: PluginContext) async throws -> [UInt8]
    /// Runs one scheduled task: `run` says which task, run, fire time and attempt, `request.body` is
    /// the task's payload. Return a short success message (or nil); throw to report a failure, whose
    /// description becomes the run's error (a `ServiceError` keeps its code).
    func runTask(_ run: TaskRun, request: ServiceRequest, context: PluginContext) async throws -> String?
    /// Called whenever every enabled plugin of the mesh is running (`plexus.mesh.ready`).
    func meshReady(plugins: [String], context: PluginContext) async
    /// Called when events of `subscriptions` are lost for good: the SDK saw the gap (in `prev` or the
    /// broker's heartbeat) and the event log could not fill it (docs/PROTOCOL.md, section 10). By default
    /// it logs a warning; a plugin that must not miss events reconciles here, or uses a durable subscription.
    func eventsLost(_ loss: EventLoss, context: PluginContext) async
    /// Durable subscriptions: each gets a consumer that resumes after its acknowledged seq.
    var durableSubscriptions: [DurableSubscription] { get }
    /// Handles one event of a durable subscription, at least once and in seq order. Throwing retries it
    /// with backoff; after `maxAttempts` it goes to `plexus.deadletter.NAME` and the consumer moves on.
    func handleDurable(_ event: ReceivedEvent, subscription: String, context: PluginContext) async throws
    /// Says whether the plugin can do its work (docs/PROTOCOL.md section 4, "Health"): called every
    /// `healthInterval` once `start` returned, from a task of its own, so a slow check holds up neither
    /// events nor heartbeats; it is not called again before it returns. What changed goes to the broker,
    /// which takes a `critical` instance out of rotation. The report sent is the worse of this answer and
    /// the last `context.setHealth`. By default: passing.
    func health(context: PluginContext) async -> HealthReport
    /// How often `health` is called (10 s by default); read again before each wait.
    var healthInterval: Duration { get }

    /// The `@main` entry point needs a way to build the plugin.
    init()
}

extension Plugin {
    public var subscriptions: [String] { [] }
    public var services: [String] { [] }
    public var tasks: [String] { [] }
    public func runTask(_ run: TaskRun, request: ServiceRequest, context: PluginContext) async throws -> String? {
        throw ServiceError(501, "not_implemented", "\(name) does not implement runTask(_:request:context:)")
    }
    public var concurrency: Int { 1 }
    public func serve(_ request: ServiceRequest, context: PluginContext) async throws -> [UInt8] {
        throw ServiceError(501, "not_implemented", "\(name) does not implement serve(_:context:)")
    }
    public func start(context: PluginContext) async throws {}
    public func handle(event: ReceivedEvent, context: PluginContext) async throws {}
    public func stop(context: PluginContext) async {}
    public func reload(config: JSONValue, context: PluginContext) async throws {}
    public func meshReady(plugins: [String], context: PluginContext) async {}
    public var durableSubscriptions: [DurableSubscription] { [] }
    public func handleDurable(_ event: ReceivedEvent, subscription: String, context: PluginContext) async throws {
        throw ServiceError(501, "not_implemented", "\(name) does not implement handleDurable(_:subscription:context:)")
    }
    public func health(context: PluginContext) async -> HealthReport { HealthReport(status: .passing) }
    public var healthInterval: Duration { .seconds(10) }
    public func eventsLost(_ loss: EventLoss, context: PluginContext) async {
        context.logger.warning(
            "events lost",
            metadata: [
                "topic": "\(loss.topic ?? "*")", "first": "\(loss.first)", "last": "\(loss.last)", "reason": "\(loss.reason)",
            ])
    }

    /// Runs the plugin until it is stopped; what `@main` calls.
    public static func main() async {
        let code = await PluginRuntime(plugin: Self(), options: PluginOptions()).run()
        exit(code)
    }
}
