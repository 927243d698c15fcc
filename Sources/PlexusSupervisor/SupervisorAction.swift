import Logging
import PlexusProtocol
import PlexusTopology

/// What the supervisor asks the broker to do. The broker executes actions in order and reports results
/// back (`spawned`, `spawnFailed`, `exited`, …).
public enum SupervisorAction: Sendable, Equatable {
    /// Start a process for the instance.
    case spawn(instance: String, spec: PluginSpec)
    /// Send `STOP` over the instance's session (if it has one).
    case sendStop(instance: String, reason: String)
    /// Send a signal to the instance's process group.
    case signal(pid: Int32, signal: Int32)
    /// Publish a `plexus.plugin.*` event about the instance.
    case publish(topic: String, instance: String)
    /// Publish a `plexus.plugin.*` event about an instance whose record is already gone (removed by
    /// `APPLY` or replaced by an upgrade): the event is built from this last copy.
    case publishRemoved(topic: String, record: SupervisedInstance)
    /// Send `RELOAD` with a config to the instance's session.
    case reload(instance: String, config: JSONValue)
    /// Publish `plexus.mesh.ready`.
    case meshReady(plugins: [String])
    /// Log a line about an instance (the plugin is named because the record may be gone by then).
    case log(Logger.Level, String, instance: String?, plugin: String? = nil)
}
