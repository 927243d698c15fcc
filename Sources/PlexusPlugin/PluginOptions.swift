import Foundation
import Logging
import PlexusClient
import Synchronization

/// Where and as whom a plugin connects. Defaults come from the environment.
public struct PluginOptions: Sendable {
    /// The broker's control endpoint (`PLEXUS_BROKER`, else `tcp://127.0.0.1:7700`).
    public var controlEndpoint: String
    /// The instance id (`PLEXUS_INSTANCE`, else `NAME-PID`).
    public var instance: String?
    /// The longest wait between two registration attempts while the broker is away.
    public var maxReconnectDelayMilliseconds: Int
    public var logger: Logger
    /// The secret the broker gave this process when it spawned it (`PLEXUS_TOKEN`), sent in every
    /// `REGISTER`. Read once and removed from the environment, so that child processes do not inherit it.
    var registrationToken: String?

    public init(
        controlEndpoint: String? = nil, instance: String? = nil, maxReconnectDelayMilliseconds: Int = 5_000,
        logger: Logger = Logger(label: "plexus.plugin")
    ) {
        let environment = ProcessInfo.processInfo.environment
        self.controlEndpoint = controlEndpoint ?? EndpointAddress.controlFromEnvironment(environment)
        self.instance = instance ?? environment["PLEXUS_INSTANCE"].flatMap { $0.isEmpty ? nil : $0 }
        self.maxReconnectDelayMilliseconds = maxReconnectDelayMilliseconds
        self.logger = logger
        self.registrationToken = Self.takeRegistrationToken()
    }

    /// The process's registration token; the first call takes it out of the environment.
    private static func takeRegistrationToken() -> String? {
        tokenStore.withLock { stored in
            if stored == nil, let token = ProcessInfo.processInfo.environment["PLEXUS_TOKEN"], !token.isEmpty {
                stored = token
                unsetenv("PLEXUS_TOKEN")
            }
            return stored
        }
    }

    private static let tokenStore = Mutex<String?>(nil)
}
