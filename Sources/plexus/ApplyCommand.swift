import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus apply FILE`: moves the running mesh to a topology file; `--dry-run` only shows the plan.
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Move the running mesh to a topology file: start, stop, reload or restart what changed.",
        discussion: """
            Relative paths in FILE resolve against the directory of the running topology (the file the broker \
            was started with), not against FILE's own directory, unless --base-dir is given. A command that \
            cannot be launched refuses the whole apply before anything is stopped. With --dry-run the plan is \
            printed and nothing is touched; it exits 1 when a real apply would be refused.
            """)
    @Argument(help: "The topology file.") var file: String
    @Flag(help: "Print the plan without changing anything.") var dryRun = false
    @Option(help: "Resolve relative paths in FILE against this directory (default: the running topology's).")
    var baseDir: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let timeout = options.seconds(default: 30)
            let client = try options.client(defaultTimeout: timeout)
            let plan = try PlanRequest(file: file, baseDir: baseDir, dryRun: dryRun).send(client)
            if output.isJSON {
                output.emitJSON(plan)
            } else {
                PlanText.summary(plan).forEach(emit)
            }
            if dryRun {
                if !plan.problems.isEmpty { throw fail("a real apply would be refused: a command cannot be launched") }
                return
            }
            try waitUntilSettled(plan, client: client, timeout: timeout)
        }
    }

    private func waitUntilSettled(_ plan: ApplyPlan, client: ControlClient, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let status = try client.request(.status, as: [InstanceInfo].self)
            let settled =
                (plan.start + plan.restart).allSatisfy { name in
                    LifecycleRunner.allRunning(status.filter { $0.name == name })
                }
                && plan.stop.allSatisfy { name in
                    status.filter { $0.name == name }.allSatisfy { $0.state == .stopped || $0.state == .failed }
                } && !status.contains { $0.state == .stopping }
            if settled { return }
            if let failed = status.first(where: { $0.state == .failed && (plan.start + plan.restart).contains($0.name) }) {
                throw fail("\(failed.instance) failed: \(failed.reason ?? "")")
            }
            if Date() >= deadline { throw fail("the mesh did not settle within \(timeout) s; see plexus status") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }
}

/// `plexus diff FILE`: what `apply FILE` would change, per plugin and task (a dry-run `APPLY`).
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what applying a topology file would change, per plugin and task, without changing anything.",
        discussion: """
            Lines start with + (added or started), - (removed or stopped), ~ (changed: restarted, reloaded, \
            updated) or ! (a command that cannot be launched). Environment and config values are never shown, \
            only their keys. Exit status: 0, or with --exit-code 1 when something would change.
            """)
    @Argument(help: "The topology file.") var file: String
    @Option(help: "Resolve relative paths in FILE against this directory (default: the running topology's).")
    var baseDir: String?
    @Flag(help: "Exit with status 1 when the file differs from the running mesh (as git diff --exit-code).")
    var exitCode = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let plan = try PlanRequest(file: file, baseDir: baseDir, dryRun: true).send(options.client())
            if output.isJSON {
                output.emitJSON(plan)
            } else {
                let lines = PlanText.diff(plan)
                (lines.isEmpty ? ["no changes"] : lines).forEach(emit)
            }
            if exitCode, !plan.changesNothing || !plan.problems.isEmpty { throw ExitCode(1) }
        }
    }
}

/// Reads a topology file and sends it as `APPLY`.
struct PlanRequest {
    let file: String
    let baseDir: String?
    let dryRun: Bool

    func send(_ client: ControlClient) throws -> ApplyPlan {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        guard let yaml = try? String(contentsOf: url, encoding: .utf8) else { throw fail("cannot read \(file)") }
        // Relative paths follow the running topology unless asked otherwise (docs/TOPOLOGY.md).
        let base = baseDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return try client.request(.apply(yaml: yaml, baseDirectory: base, dryRun: dryRun), as: ApplyPlan.self)
    }
}

/// How `apply` and `diff` print a plan.
enum PlanText {
    /// `apply`: one line per action, then notes and launch problems.
    static func summary(_ plan: ApplyPlan) -> [String] {
        var lines: [String] = []
        let prefix = plan.dryRun ? "would " : ""
        for (label, names) in [
            ("start", plan.start), ("stop", plan.stop), ("restart", plan.restart), ("reload", plan.reload),
            ("add task", plan.tasks.add), ("update task", plan.tasks.update), ("remove task", plan.tasks.remove),
        ]
        where !names.isEmpty {
            lines.append("\(prefix)\(label): \(names.joined(separator: ", "))")
        }
        lines += plan.notes.map { "note: \($0)" }
        lines += plan.problems.map { "cannot launch plugins.\($0.plugin).command: \($0.problem)" }
        if plan.changesNothing { lines.append("no changes") }
        return lines
    }

    /// `diff`: per plugin and task, a marked line and its changed fields, indented.
    static func diff(_ plan: ApplyPlan) -> [String] {
        var lines: [String] = []
        for change in plan.changes {
            let mark =
                switch change.action {
                case "start", "add": "+"
                case "stop", "remove": "-"
                default: "~"
                }
            lines.append("\(mark) \(change.kind) \(change.name) (\(change.action))")
            lines += change.fields.map { "    \($0)" }
        }
        lines += plan.problems.map { "! plugin \($0.plugin): \($0.problem)" }
        lines += plan.notes.map { "note: \($0)" }
        return lines
    }
}
