import Foundation

extension PluginSpec {
    /// Why the broker could not launch this plugin's command, or nil when it can: the program (first
    /// word) must be an executable file, given by path (relative paths were resolved against the
    /// topology's directory when it was read) or found on `PATH` (the plugin's `env` PATH, else the
    /// broker's). Checked by `plexus check` and before `APPLY` changes anything, so that a typo in a
    /// command fails the change instead of stopping a working plugin.
    public func launchProblem(searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        guard let program = command.first else { return nil }
        if resolvedProgram(searchPath: searchPath) != nil { return nil }
        if program.contains("/") {
            return FileManager.default.fileExists(atPath: program)
                ? "command '\(program)' is not an executable file" : "command '\(program)' does not exist"
        }
        return "command '\(program)' is not on PATH (\(executableSearchPath(searchPath)))"
    }

    /// The executable file the command's first word names, found as a launch would find it; nil when
    /// there is none.
    public func resolvedProgram(searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        guard let program = command.first else { return nil }
        let manager = FileManager.default
        func executable(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && manager.isExecutableFile(atPath: path)
        }
        if program.contains("/") { return executable(program) ? program : nil }
        return executableSearchPath(searchPath).split(separator: ":").map { "\($0)/\(program)" }.first(where: executable)
    }

    private func executableSearchPath(_ searchPath: String?) -> String {
        environment["PATH"] ?? searchPath ?? "/usr/local/bin:/usr/bin:/bin"
    }
}

extension Topology {
    /// Every enabled launched plugin whose command cannot be launched, with why (`PluginSpec.launchProblem`).
    public func launchProblems(searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) -> [(
        plugin: String, problem: String
    )] {
        plugins.filter { $0.enabled && $0.isLaunched }.compactMap { spec in
            spec.launchProblem(searchPath: searchPath).map { (spec.name, $0) }
        }
    }
}
