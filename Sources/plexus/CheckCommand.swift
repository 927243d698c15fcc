import ArgumentParser
import Foundation
import PlexusProcess
import PlexusProtocol
import PlexusTopology

/// `plexus check FILE`: validate a topology without starting anything.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a topology file.")

    @Argument(help: "The topology file.")
    var file: String

    @OptionGroup var output: OutputOptions

    /// What `check --json` prints: `problems` holds `plugins.NAME.command` launch problems as `APPLY`'s
    /// plan does, `integrity` the `plugins.NAME.sha256` pins that do not match; `error` a parse or
    /// validation error.
    struct Report: Encodable {
        var file: String
        var ok: Bool
        var plugins: Int?
        var tasks: Int?
        var problems: [LaunchProblem] = []
        var integrity: [LaunchProblem] = []
        /// Sandboxes the broker could not enforce on this host, or whose paths do not exist: it would
        /// refuse to start those plugins (`plugins.NAME.sandbox…`).
        var sandbox: [LaunchProblem] = []
        /// Resource limits this host cannot apply (the plugin would run without them); not errors.
        var warnings: [String] = []
        var error: String?
    }

    func run() throws {
        var report = Report(file: file, ok: false)
        do {
            let topology = try Topology.load(path: file)
            report.plugins = topology.plugins.count
            report.tasks = topology.tasks.count
            // A command that cannot be launched is an error here, before a broker stops anything for it.
            report.problems = topology.launchProblems().map { LaunchProblem(plugin: $0.plugin, problem: $0.problem) }
            // Limits this host cannot apply: the plugin would run without them, so say which.
            for spec in topology.plugins where spec.enabled && spec.isLaunched {
                for problem in CgroupPlacement.problems(for: spec.limits) {
                    report.warnings.append("plugins.\(spec.name).\(problem)")
                    if !output.isJSON { warn("\(file): warning: plugins.\(spec.name).\(problem)") }
                }
            }
            // A sandbox this host cannot enforce: the broker would refuse to start the plugin unconfined.
            for spec in topology.plugins where spec.enabled && spec.isLaunched {
                guard let sandbox = spec.sandbox else { continue }
                report.sandbox += SandboxPlan.problems(for: sandbox).map { LaunchProblem(plugin: spec.name, problem: $0) }
            }
            for warning in topology.permissionWarnings {
                report.warnings.append(warning)
                if !output.isJSON { warn("\(file): warning: \(warning)") }
            }
            // A pinned file that does not match would not be launched: say so now (docs/SECURITY.md).
            if report.problems.isEmpty {
                report.integrity = topology.integrityProblems().map { LaunchProblem(plugin: $0.plugin, problem: $0.problem) }
            }
        } catch {
            report.error = "\(error)"
        }
        report.ok = report.error == nil && report.problems.isEmpty && report.integrity.isEmpty && report.sandbox.isEmpty
        if output.isJSON {
            output.emitJSON(report)
            if !report.ok { throw ExitCode(1) }
            return
        }
        if let error = report.error { throw fail(error) }
        guard report.problems.isEmpty else {
            throw fail(report.problems.map { "\(file): plugins.\($0.plugin).command: \($0.problem)" }.joined(separator: "\n"))
        }
        guard report.integrity.isEmpty else {
            throw fail(report.integrity.map { "\(file): plugins.\($0.plugin).sha256: \($0.problem)" }.joined(separator: "\n"))
        }
        guard report.sandbox.isEmpty else {
            throw fail(report.sandbox.map { "\(file): plugins.\($0.plugin).\($0.problem)" }.joined(separator: "\n"))
        }
        emit("\(file): OK (\(report.plugins ?? 0) plugins, \(report.tasks ?? 0) tasks)")
    }
}
