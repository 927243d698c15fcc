import Foundation
import PlexusClient
import PlexusProtocol

extension TestBroker {
    /// Starts a plugin that attaches to this broker (`PLEXUS_BROKER` set) and waits until it registered
    /// as `name` and sent `READY`. Its output goes to `directory`; `stop()` stops it before the broker.
    ///
    /// ```swift
    /// let greeter = try broker.launchPlugin(PlexusBinaries.path("greeter"), name: "greeter")
    /// ```
    /// Throws when it exits first (with its standard error) or is not running within `timeout` seconds.
    @discardableResult
    public func launchPlugin(
        _ executable: String, _ arguments: [String] = [], name: String, environment: [String: String] = [:],
        timeout: Double = 15
    ) throws -> TestProcess {
        let before = Set(try client().plugins().filter { $0.name == name }.map(\.instance))
        let plugin = try TestProcess(
            executable, arguments, name: "\(name)-\(UUID().uuidString.prefix(4))",
            environment: environment.merging(pluginEnvironment) { $1 }, directory: directory)
        lock.withLock { launched.append(plugin) }
        _ = try waitForEvents(timeout: timeout, "\(name) running") { () throws -> InstanceInfo? in
            if !plugin.isRunning {
                throw PlexusTestingError(.processExited, "\(name) exited before it ran: \(plugin.stderr)")
            }
            return try client().plugins().first {
                $0.name == name && $0.state == .running && !before.contains($0.instance)
            }
        }
        return plugin
    }

    /// Every instance `STATUS` reports: supervised and attached.
    public func status() throws -> [InstanceInfo] {
        try client().status()
    }

    /// The instances of `plugin` that `STATUS` reports.
    public func status(of plugin: String) throws -> [InstanceInfo] {
        try status().filter { $0.name == plugin }
    }

    /// The registry (`PLUGINS`): every plugin with a session, supervised or attached.
    public func plugins() throws -> [InstanceInfo] {
        try client().plugins()
    }

    /// Waits until a plugin `name` with a session (`PLUGINS`) is in `state`, at most `timeout` seconds;
    /// returns that instance. For a plugin started anywhere that attaches to this broker.
    @discardableResult
    public func waitForPlugin(_ name: String, state: InstanceState = .running, timeout: Double = 15) throws -> InstanceInfo {
        let client = try client()
        return try waitForEvents(timeout: timeout, "\(name) \(state.rawValue)", seen: { Self.describe(try? client.plugins()) }) {
            try client.plugins().first { $0.name == name && $0.state == state }
        }
    }

    /// Waits until `plugin` has instances in `STATUS` and every one satisfies `condition`, at most
    /// `timeout` seconds; returns them.
    @discardableResult
    public func waitForInstances(
        _ plugin: String, timeout: Double = 15, where condition: (InstanceInfo) throws -> Bool
    ) throws -> [InstanceInfo] {
        let client = try client()
        return try waitForEvents(
            timeout: timeout, "every instance of \(plugin) in the expected state",
            seen: { Self.describe(try? client.status().filter { $0.name == plugin }) }
        ) {
            let instances = try client.status().filter { $0.name == plugin }
            return try !instances.isEmpty && instances.allSatisfy(condition) ? instances : nil
        }
    }

    /// Waits until every instance of `plugin` runs; returns them.
    @discardableResult
    public func waitForRunning(_ plugin: String, timeout: Double = 15) throws -> [InstanceInfo] {
        try waitForInstances(plugin, timeout: timeout) { $0.state == .running }
    }

    /// `name-1 running (pid 42)`, … for timeout messages.
    static func describe(_ instances: [InstanceInfo]?) -> String {
        guard let instances else { return "the broker does not answer" }
        if instances.isEmpty { return "no instance" }
        return instances.map { "\($0.instance) \($0.state.rawValue) (pid \($0.pid)\($0.reason.map { ", \($0)" } ?? ""))" }
            .joined(separator: ", ")
    }
}
