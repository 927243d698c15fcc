import PlexusProcess
import PlexusProtocol

/// Work handed to the broker loop by other threads.
enum LoopInput: Sendable {
    /// From the process watcher.
    case process(ProcessEvent)
    /// SIGHUP: re-read the topology file and apply it.
    case reloadTopologyFile
    /// An answer prepared on another thread (the replay worker) for a control peer.
    case controlReply(ControlEnvelope, [[UInt8]])
    /// A probe's verdict changed (from the probe thread).
    case probe(instance: String, check: HealthCheck)
    /// New resource samples of supervised processes, by pid (from the resource sampler's thread).
    case resources([Int32: ResourceUsage])
    /// The ZAP handler refused a connection (CURVE on): an unknown key, or no CURVE at all.
    case authDenied(key: String?, address: String, reason: String)
}
