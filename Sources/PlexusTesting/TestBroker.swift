import Foundation
import PlexusClient
import PlexusProtocol

/// A real `plexus broker` process on ephemeral 127.0.0.1 ports, for tests of plugins and clients.
///
/// `init` starts the broker, waits until it has written its ready file (the endpoints it bound) and
/// until it delivers events to the helper's own watch subscription (`watching`, by default the broker's
/// `plexus.>` events). Then a test launches plugins, publishes, calls services and waits for events or
/// plugin states; every wait has a deadline and throws `PlexusTestingError` when it passes. `stop()`
/// stops the plugins it launched and then the broker, by PID; the temporary directory it made is
/// removed when the value goes away.
///
/// ```swift
/// let broker = try TestBroker(plexus: PlexusBinaries.plexus)
/// defer { broker.stop() }
/// try broker.launchPlugin(PlexusBinaries.path("greeter"), name: "greeter")
/// let welcomes = try broker.subscribe("user.welcome")
/// try broker.publish("user.created", text: #"{"name": "ada"}"#)
/// let welcome = try welcomes.waitForEvent(topic: "user.welcome", timeout: 5)
/// ```
///
/// With a topology the broker supervises the plugins it declares, as in production:
/// `TestBroker(topology: "plugins:\n  greeter:\n    command: [/path/to/greeter]\n")`, then
/// `waitForRunning("greeter")`.
public final class TestBroker: @unchecked Sendable {
    /// The broker process.
    public let process: TestProcess
    /// What the broker bound, from its ready file.
    public let endpoints: BoundEndpoints
    /// Where its topology, ready file and the output of every process it or the helper started are.
    public let directory: URL
    /// The patterns of the helper's own subscription (see `waitForEvent(topic:timeout:where:)`).
    public let watching: [String]
    /// The CURVE keys of the helper's own clients (a broker with `security.curve` on); nil for none.
    public let curve: CurveCredentials?

    let lock = NSLock()
    /// The helper's own subscription; guarded by `lock`.
    let watcher: TestSubscription?
    /// Plugins started with `launchPlugin`, stopped before the broker; guarded by `lock`.
    var launched: [TestProcess] = []
    private let ownsDirectory: Bool

    /// Starts a broker and waits until it is ready.
    ///
    /// - Parameters:
    ///   - plexus: the `plexus` executable (by default found by `PlexusBinaries`).
    ///   - control: the control endpoint; give a fixed port to restart a broker where plugins expect it.
    ///     The event endpoints are always ephemeral.
    ///   - topology: the text of a `topology.yaml` to start with, written to `directory`.
    ///   - directory: where the files go; by default a fresh temporary directory, removed at the end.
    ///   - arguments: more `plexus broker` arguments (`["--data", path]`).
    ///   - environment: added to the broker's environment (and so to the plugins it launches).
    ///   - watching: the patterns the helper subscribes to from the start; `[]` for none.
    ///   - readyTimeout: seconds to wait for the ready file and the first delivered event.
    ///   - curve: the CURVE keys the helper's clients connect with, for a topology with `security.curve`
    ///     (its `secret_key_file` then goes in `directory`, and the client's key in `security.clients`).
    public init(
        plexus: String = PlexusBinaries.plexus, control: String = "tcp://127.0.0.1:*", topology: String? = nil,
        directory: URL? = nil, arguments: [String] = [], environment: [String: String] = [:],
        watching: [String] = ["plexus.>"], readyTimeout: Double = 20,
        curve: CurveCredentials? = CurveCredentials.processDefault
    ) throws {
        self.curve = curve
        ownsDirectory = directory == nil
        self.directory = try directory ?? TestDirectory.make()
        self.watching = watching
        let readyFile = self.directory.appendingPathComponent("ready-\(UUID().uuidString.prefix(6)).json")
        var command = [
            "broker", "--control", control, "--events-in", "tcp://127.0.0.1:*",
            "--events-out", "tcp://127.0.0.1:*", "--ready-file", readyFile.path,
        ]
        if let topology {
            let file = self.directory.appendingPathComponent("topology.yaml")
            try topology.write(to: file, atomically: true, encoding: .utf8)
            command += ["--topology", file.path]
        }
        let process = try TestProcess(
            plexus, command + arguments, name: "broker-\(UUID().uuidString.prefix(4))", environment: environment,
            directory: self.directory)
        self.process = process
        // The ready file is written atomically once every socket is bound; nothing announces it sooner.
        let deadline = Date().addingTimeInterval(readyTimeout)
        var ready: BoundEndpoints?
        while ready == nil, process.isRunning, Date() < deadline {
            ready = (try? Data(contentsOf: readyFile)).flatMap {
                try? JSONCoding.decode(BoundEndpoints.self, from: Array($0), what: "ready file")
            }
            if ready == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let ready else {
            let why = process.isRunning ? "no ready file within \(readyTimeout) s" : "the broker exited"
            process.stop()
            throw PlexusTestingError(.notReady, "\(why): \(process.stderr)")
        }
        endpoints = ready
        do {
            watcher =
                watching.isEmpty
                ? nil
                : try TestSubscription(
                    eventsOut: ready.eventsOut, control: ready.control, patterns: watching, timeout: readyTimeout,
                    curve: curve)
        } catch {
            process.stop()
            throw PlexusTestingError(.notReady, "the broker does not deliver events: \(error); \(process.stderr)")
        }
    }

    deinit {
        stop()
        if ownsDirectory { TestDirectory.remove(directory) }
    }

    /// The control endpoint (`tcp://127.0.0.1:PORT`).
    public var control: String { endpoints.control }
    /// What the broker wrote to standard error: its log.
    public var log: String { process.stderr }
    /// The environment that makes a plugin attach to this broker: `PLEXUS_BROKER`.
    public var pluginEnvironment: [String: String] { ["PLEXUS_BROKER": control] }

    /// A new client of the control endpoint (one per thread: clients are not thread-safe).
    public func client(timeout: Double = 5) throws -> ControlClient {
        try ControlClient(endpoint: control, timeout: timeout, curve: curve)
    }

    /// A raw subscriber to the events the broker sends out, not confirmed: events published before its
    /// subscription reaches the broker are lost. Prefer `subscribe(_:)`, or wait with
    /// `waitForSubscriptions(_:timeout:)`.
    public func subscriber(_ patterns: [String]) throws -> EventSubscriber {
        try EventSubscriber(endpoint: endpoints.eventsOut, patterns: patterns, curve: curve)
    }

    /// A confirmed subscription: every event published after it returns reaches it.
    public func subscribe(_ patterns: String..., timeout: Double = 10) throws -> TestSubscription {
        try TestSubscription(eventsOut: endpoints.eventsOut, control: control, patterns: patterns, timeout: timeout, curve: curve)
    }

    /// Acknowledged publish through the control endpoint: returns once the broker took the event, with
    /// its sequence number.
    @discardableResult
    public func publish(_ topic: String, payload: [UInt8], headers: [String: String] = [:]) throws -> UInt64 {
        try client().publish(PublishRequest(topic: topic, payload: payload, headers: headers))
    }

    /// Acknowledged publish of a UTF-8 text (often JSON) payload.
    @discardableResult
    public func publish(_ topic: String, text: String, headers: [String: String] = [:]) throws -> UInt64 {
        try publish(topic, payload: Array(text.utf8), headers: headers)
    }

    /// Calls a service through the broker and returns the answer's body; a service error is thrown as
    /// `ClientError.rejected`. Partial answers go to `onPartial`.
    public func call(
        _ service: String, body: [UInt8] = [], options: CallOptions = CallOptions(), onPartial: (([UInt8]) -> Void)? = nil
    ) throws -> [UInt8] {
        try client().call(service, body: body, options: options, onPartial: onPartial)
    }

    /// Calls a service with a text body and returns the answer as text.
    public func call(_ service: String, text: String, options: CallOptions = CallOptions()) throws -> String {
        String(decoding: try call(service, body: Array(text.utf8), options: options), as: UTF8.self)
    }

    /// Stops the plugins `launchPlugin` started (last first), then the broker, each with SIGTERM and,
    /// after `grace` seconds, SIGKILL. The broker stops the plugins it supervises itself. Calling it
    /// again does nothing.
    public func stop(grace: Double = 5) {
        let plugins = lock.withLock {
            defer { launched.removeAll() }
            return launched
        }
        for plugin in plugins.reversed() { plugin.stop(grace: grace) }
        process.stop(grace: grace)
    }
}
