import Foundation
import PlexusClient
import PlexusProtocol

extension BrokerProcess {
    /// Every instance `STATUS` reports (empty if the broker does not answer).
    func status() -> [InstanceInfo] {
        (try? client(timeout: 2).request(.status, as: [InstanceInfo].self)) ?? []
    }

    func status(of plugin: String) -> [InstanceInfo] { status().filter { $0.name == plugin } }

    /// Waits until every instance of `plugin` satisfies `condition`; returns them.
    func waitForInstances(_ plugin: String, timeout: Double = 15, _ condition: @escaping (InstanceInfo) -> Bool)
        -> [InstanceInfo]?
    {
        waitFor(timeout: timeout, interval: 0.05) { () -> [InstanceInfo]? in
            let instances = status(of: plugin)
            return !instances.isEmpty && instances.allSatisfy(condition) ? instances : nil
        }
    }

    func waitForRunning(_ plugin: String, timeout: Double = 15) -> [InstanceInfo]? {
        waitForInstances(plugin, timeout: timeout) { $0.state == .running }
    }
}

/// Quotes a path for a YAML flow sequence.
func yamlQuoted(_ text: String) -> String { "\"\(text)\"" }

/// A topology that launches only the greeter, with its default config.
var greeterOnlyTopology: String {
    """
    plugins:
      greeter:
        command: [\(yamlQuoted(Paths.greeter))]
    """
}

/// The `command:` line for the Python test plugin.
var testPluginCommand: String {
    "[python3, \(yamlQuoted(Paths.fixture("test_plugin.py")))]"
}

/// Whether a process is gone (a zombie counts as gone: it no longer runs, only its exit status waits).
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    guard let close = stat.lastIndex(of: ")") else { return true }
    let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
    return state == "Z" || state == "X"
}
