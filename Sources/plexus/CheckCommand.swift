import ArgumentParser
import PlexusProcess
import PlexusTopology

/// `plexus check FILE`: validate a topology without starting anything.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a topology file.")

    @Argument(help: "The topology file.")
    var file: String

    func run() throws {
        do {
            let topology = try Topology.load(path: file)
            // A command that cannot be launched is an error here, before a broker stops anything for it.
            let problems = topology.launchProblems()
            guard problems.isEmpty else {
                throw fail(problems.map { "\(file): plugins.\($0.plugin).command: \($0.problem)" }.joined(separator: "\n"))
            }
            // Limits this host cannot apply: the plugin would run without them, so say which.
            for spec in topology.plugins where spec.enabled && spec.isLaunched {
                for problem in CgroupPlacement.problems(for: spec.limits) {
                    warn("\(file): warning: plugins.\(spec.name).\(problem)")
                }
            }
            // A pinned file that does not match would not be launched: say so now (docs/SECURITY.md).
            let integrity = topology.integrityProblems()
            guard integrity.isEmpty else {
                throw fail(integrity.map { "\(file): plugins.\($0.plugin).sha256: \($0.problem)" }.joined(separator: "\n"))
            }
            emit("\(file): OK (\(topology.plugins.count) plugins, \(topology.tasks.count) tasks)")
        } catch let error as TopologyError {
            throw fail("\(error)")
        }
    }
}
