import ArgumentParser
import PlexusTopology

/// `plexus check FILE`: validate a topology without starting anything.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a topology file.")

    @Argument(help: "The topology file.")
    var file: String

    func run() throws {
        do {
            let topology = try Topology.load(path: file)
            emit("\(file): OK (\(topology.plugins.count) plugins, \(topology.tasks.count) tasks)")
        } catch {
            throw fail("\(error)")
        }
    }
}
