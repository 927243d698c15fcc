// swift-tools-version:6.1
import PackageDescription

/// Plexus: a message-bus plugin mesh over ZeroMQ.
///
/// Targets depend in one direction (`A ← B`: B imports A); docs/ARCHITECTURE.md has the table.
/// - Sockets and the wire: `CZeroMQ` ← `ZeroMQ` ← `PlexusClient` ← `PlexusPlugin` (the Swift SDK);
///   `PlexusProtocol` (the codec, no I/O) ← `PlexusClient`, `PlexusPlugin`, `PlexusTopology`,
///   `PlexusSupervisor`, `PlexusBroker`.
/// - Decisions without I/O: `PlexusSchedule` ← `PlexusTasks` ← `PlexusTopology` (+ Yams) ←
///   `PlexusSupervisor` (+ swift-log); `PlexusMajordomo` on its own.
/// - Processes: `CSpawn`, `PlexusProtocol` (for `LogLine`) ← `PlexusProcess`.
/// - Health probes: `CSpawn`, `PlexusProtocol` (for `HealthCheck`), `PlexusTopology` (for `ProbeSpec`) ←
///   `PlexusProbes` (exec, tcp and http checks, thresholds, a scheduler thread).
/// - Storage: `CZlib` (zlib's crc32) ← `PlexusEventLog` (the durable event log, segment files, no ZeroMQ).
/// - `PlexusBroker` composes them all (`ZeroMQ`, `PlexusProtocol`, `PlexusTopology`, `PlexusSupervisor`,
///   `PlexusProcess`, `PlexusTasks`, `PlexusMajordomo`, `CSpawn` for its thread name) with GRDB,
///   swift-log, swift-service-lifecycle, swift-metrics and swift-prometheus (its metrics, docs/METRICS.md).
/// - HTTP: `PlexusProtocol`, `PlexusClient`, `PlexusBroker` (metrics, ready state), `PlexusTopology` (a plugin's
///   `config:` block) ← `PlexusHTTP` (+ Hummingbird 2):
///   the management API, SSE, health, the console's embedded assets; it talks to the broker only through
///   the control endpoint.
/// - Tests: `PlexusClient` ← `PlexusTesting` (live-test helpers for plugin authors; runs the `plexus`
///   executable, no test framework).
/// - Executables on top: `plexus` (the CLI: broker, topology, client; + `PlexusHTTP`), `plexus-bench`, and the plugins
///   `greeter` and `plexus-test-plugin` (SDK only).
let package = Package(
    name: "plexus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "plexus", targets: ["plexus"]),
        .executable(name: "plexus-bench", targets: ["plexus-bench"]),
        .executable(name: "greeter", targets: ["greeter"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        .library(name: "PlexusProtocol", targets: ["PlexusProtocol"]),
        .library(name: "PlexusClient", targets: ["PlexusClient"]),
        .library(name: "PlexusPlugin", targets: ["PlexusPlugin"]),
        .library(name: "PlexusBroker", targets: ["PlexusBroker"]),
        .library(name: "PlexusTesting", targets: ["PlexusTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The scheduler's state in embedded SQLite (Debian's libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The broker's HTTP management API (PlexusHTTP).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's own: PlexusHTTP reads the bound port from NIOCore's Channel and names headers
        // with HTTPTypes.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Metrics: the swift-metrics API and its Prometheus backend, for `GET /metrics` and `plexus metrics`.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Debian's libzmq3-dev. No pkgConfig: Debian's libzmq.pc makes every build warn.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        .target(name: "PlexusProtocol"),
        // The ZeroMQ Majordomo Protocol (MDP/0.1, MDP/0.2, majortomo's dialect) as a pure codec.
        .target(name: "PlexusMajordomo"),
        // Cron, interval and one-shot schedules: fire-time arithmetic with time zones, no I/O.
        .target(name: "PlexusSchedule"),
        // Scheduled tasks' decision logic (states, policies, misfire, retries) as a value type, no I/O.
        .target(name: "PlexusTasks", dependencies: ["PlexusSchedule"]),
        // fork/exec with PR_SET_PDEATHSIG, which needs C between fork and exec.
        .target(name: "CSpawn"),
        // topology.yaml: schema, value parsers, YAML limits (over Yams's embedded libyaml), dependency graph.
        .target(
            name: "PlexusTopology",
            dependencies: [
                "PlexusProtocol", "PlexusTasks",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Debian's zlib1g-dev, for the event log's record checksums (crc32).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The durable, crash-safe event log: append-only segment files with checksummed records, replay reads.
        .target(name: "PlexusEventLog", dependencies: ["CZlib"]),
        // Debian's libsodium-dev (libzmq3-dev depends on it): SHA-256 and ed25519.
        .systemLibrary(name: "CSodium", providers: [.apt(["libsodium-dev"])]),
        // Executable integrity: a pinned file hashed while copied into a sealed memfd, ed25519 signatures.
        .target(name: "PlexusIntegrity", dependencies: ["CSodium", "CSpawn"]),
        // Plugin processes: launching (fork/exec through CSpawn), watching exits and output, the log buffer.
        .target(name: "PlexusProcess", dependencies: ["CSpawn", "PlexusProtocol", "PlexusTopology", "PlexusIntegrity"]),
        // Health probes of supervised instances (exec, tcp, http over plain sockets), Kubernetes' thresholds,
        // and the thread that runs them.
        .target(name: "PlexusProbes", dependencies: ["CSpawn", "PlexusProtocol", "PlexusTopology"]),
        // The supervisor state machine (start order, restarts, stops, upgrades, APPLY) as a value type, no I/O.
        .target(
            name: "PlexusSupervisor",
            dependencies: [
                "PlexusProtocol", "PlexusTopology",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PlexusClient",
            dependencies: ["ZeroMQ", "PlexusProtocol"]
        ),
        .target(
            name: "PlexusPlugin",
            dependencies: [
                "ZeroMQ", "PlexusProtocol", "PlexusClient",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Live-test helpers for plugin authors: a real broker process on ephemeral ports, plugins, waits
        // on events with deadlines. No test framework dependency: helpers throw.
        .target(name: "PlexusTesting", dependencies: ["ZeroMQ", "PlexusProtocol", "PlexusClient"]),
        .target(
            name: "PlexusBroker",
            dependencies: [
                "ZeroMQ", "PlexusProtocol", "PlexusClient", "PlexusTopology", "PlexusSupervisor", "PlexusProcess", "PlexusMajordomo", "PlexusTasks", "CSpawn", "PlexusEventLog", "PlexusProbes",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The HTTP management API (REST, SSE, health, console) on Hummingbird 2: every handler sends the
        // CLI's control commands through PlexusClient, so it holds no command logic of its own.
        .target(
            name: "PlexusHTTP",
            dependencies: [
                "PlexusProtocol", "PlexusClient", "PlexusBroker", "PlexusTopology", "ZeroMQ",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "plexus",
            dependencies: [
                "PlexusBroker", "PlexusClient", "PlexusProtocol", "PlexusTopology", "ZeroMQ", "PlexusIntegrity",
                "PlexusProcess", "PlexusHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "plexus-bench",
            dependencies: ["ZeroMQ", "CZeroMQ", "PlexusBroker", "PlexusClient", "PlexusProtocol", "PlexusTopology",
                           "PlexusTesting", .product(name: "Logging", package: "swift-log"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "greeter",
            dependencies: ["PlexusPlugin", "PlexusClient", "PlexusProtocol"],
            path: "plugins/greeter"
        ),
        // A plugin with services that misbehave on request, for the live service tests.
        .executableTarget(name: "plexus-test-plugin", dependencies: ["PlexusPlugin", "PlexusProtocol", "PlexusClient"], path: "Tests/PlexusTestPlugin"),
        // libFuzzer targets over the decoders of untrusted input (control frames, events, task and topology YAML)
        // and the event log's recovery of damaged segments,
        // run for a bounded time by `make fuzz` (docs/FUZZING.md). A plain build replays inputs through the same code.
        .executableTarget(
            name: "plexus-fuzz",
            dependencies: ["PlexusProtocol", "PlexusTopology", "PlexusEventLog"],
            exclude: ["Corpus"]
        ),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "PlexusProtocolTests", dependencies: ["PlexusProtocol"]),
        .testTarget(name: "PlexusScheduleTests", dependencies: ["PlexusSchedule"]),
        .testTarget(name: "PlexusTasksTests", dependencies: ["PlexusTasks"]),
        .testTarget(name: "PlexusMajordomoTests", dependencies: ["PlexusMajordomo"]),
        .testTarget(name: "PlexusTopologyTests", dependencies: ["PlexusTopology", "PlexusProtocol", "PlexusTasks"]),
        .testTarget(name: "PlexusProcessTests", dependencies: ["PlexusProcess", "PlexusProtocol", "PlexusTopology"]),
        .testTarget(name: "PlexusProbesTests", dependencies: ["PlexusProbes", "PlexusProtocol", "PlexusTopology"]),
        .testTarget(name: "PlexusEventLogTests", dependencies: ["PlexusEventLog"]),
        .testTarget(name: "PlexusSupervisorTests", dependencies: ["PlexusSupervisor", "PlexusTopology", "PlexusProtocol"]),
        .testTarget(name: "PlexusHTTPTests", dependencies: ["PlexusHTTP", "PlexusProtocol"]),
        .testTarget(name: "PlexusClientTests", dependencies: ["PlexusClient", "PlexusProtocol"]),
        .testTarget(name: "PlexusPluginTests", dependencies: ["PlexusPlugin", "PlexusClient", "PlexusProtocol"]),
        .testTarget(
            name: "PlexusBrokerTests",
            dependencies: [
                "PlexusBroker", "PlexusClient", "PlexusProtocol", "PlexusSupervisor", "PlexusTasks", "PlexusTopology", "PlexusProcess",
                "PlexusTesting", "ZeroMQ", "PlexusIntegrity",
            ],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
