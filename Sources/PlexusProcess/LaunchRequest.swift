import PlexusTopology

/// Everything the launcher needs to start one plugin process.
public struct LaunchRequest: Sendable {
    public var command: [String]
    public var environment: [String: String]
    public var workingDirectory: String?
    /// When set, the pinned file is hashed (the executable through a sealed copy that then runs) and
    /// checked before anything is started.
    public var integrity: IntegrityRequirement?
    /// rlimits to set in the child before exec.
    public var rlimits: [ResourceLimit] = []
    /// `cgroup.procs` files the child joins before exec (from `CgroupPlacement`).
    public var cgroupProcsPaths: [String] = []
    /// The sandbox the child enters just before exec (from `SandboxPlan`); nil for none.
    public var sandbox: SandboxRequest?

    public init(command: [String], environment: [String: String], workingDirectory: String?) {
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
    }
}

/// What `sha256:`/`signature:` ask of one launch.
public struct IntegrityRequirement: Sendable, Equatable {
    /// The file the pin is for: the program, or an interpreter's script.
    public var path: String
    public var pin: IntegrityPin
    public var trustedKeys: [String]
    /// Whether `path` is the program itself (then it runs from the verified copy), not a script.
    public var isProgram: Bool

    public init(path: String, pin: IntegrityPin, trustedKeys: [String], isProgram: Bool) {
        self.path = path
        self.pin = pin
        self.trustedKeys = trustedKeys
        self.isProgram = isProgram
    }
}

/// One rlimit: `resource` is an `RLIMIT_*` value, soft and hard are set alike.
public struct ResourceLimit: Sendable, Equatable {
    public var resource: Int32
    public var value: UInt64

    public init(resource: Int32, value: UInt64) {
        self.resource = resource
        self.value = value
    }
}
