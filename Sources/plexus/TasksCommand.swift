import ArgumentParser
import Foundation
import PlexusBroker
import PlexusClient
import PlexusProtocol

/// `plexus tasks …`: scheduled tasks over the `TASKS` command (docs/PROTOCOL.md, section 9).
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "List, inspect, add and control scheduled tasks.",
        subcommands: [
            TasksList.self, TasksShow.self, TasksAdd.self, TasksRemove.self, TasksPause.self, TasksResume.self,
            TasksCancel.self, TasksTrigger.self, TasksRecover.self,
        ],
        defaultSubcommand: TasksList.self)
}

/// Sends `TASKS verb argument` and prints the reply: raw JSON with `--json`, else `render`.
private func runTasks(
    _ verb: TaskVerb, _ argument: String?, output: OutputOptions, options: ClientOptions, render: (Data) throws -> String
) throws {
    try runClient {
        let body = try options.client().request(.tasks(verb, argument: argument)).first ?? []
        emit(output.isJSON ? String(decoding: body, as: UTF8.self) : try render(Data(body)))
    }
}

/// One task in a few lines, with its recent runs. Times are relative (or absolute in the task's own time
/// zone); a run's per-instance messages only with `-o wide`, so that each line stays short.
private func describe(_ data: Data, output: OutputOptions) throws -> String {
    let task = try JSONDecoder().decode(TaskReport.self, from: data)
    let zone = TimeText.zone(ofSchedule: task.schedule)
    func time(_ text: String?) -> String { TimeText.describe(text, absolute: output.absolute, zone: zone) }
    var lines = [
        "\(task.id) (\(task.origin)): \(task.state)",
        "  schedule: \(task.schedule)",
        "  target:   \(task.target)",
        "  runs: \(task.runCount), failures: \(task.failureCount), next: \(time(task.nextRun)), last: \(time(task.lastRun))",
    ]
    if let average = task.avgDurationMs, let p99 = task.p99DurationMs {
        lines.append("  duration: avg \(Latency.format(milliseconds: average)), p99 \(Latency.format(milliseconds: p99))")
    }
    if let error = task.lastError { lines.append("  last error: \(error)") }
    for run in task.history ?? [] {
        let instances = run.instances.keys.sorted().map { key in
            let result = run.instances[key]!
            let message = output.isWide ? result.message.map { " (\($0))" } ?? "" : ""
            return "\(key)=\(result.status)\(message)"
        }
        let number = run.runID.split(separator: "#").last.map { "#\($0)" } ?? run.runID
        let line =
            "  \(number) \(time(run.scheduledAt)) attempt \(run.attempt): \(Terminal.paint(run.outcome, Terminal.style(forState: run.outcome) ?? .bold))"
            + (run.error.map { " - \($0)" } ?? "") + (instances.isEmpty ? "" : " [\(instances.joined(separator: ", "))]")
        lines.append(output.isWide || line.count <= Table.defaultWidth ? line : String(line.prefix(Table.defaultWidth - 1)) + "…")
    }
    return lines.joined(separator: "\n")
}

struct TasksList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List tasks with their state and counters (every page, unless --offset or --limit).")
    @OptionGroup var output: OutputOptions
    @Option(help: "Start at this task (in id order); only this page is fetched.") var offset: Int?
    @Option(help: "At most this many tasks (1-\(PageRequest.maxLimit)); only this page is fetched.") var limit: Int?
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let (array, more) = try fetch(try options.client())
            if output.isJSON {
                emit(String(decoding: array, as: UTF8.self))
            } else {
                let tasks = try JSONDecoder().decode([TaskReport].self, from: Data(array))
                emit(tasks.isEmpty && more == nil ? "(no tasks)" : Self.table(tasks, output: output))
            }
            if let more { warn(more) }
        }
    }

    /// The tasks as one JSON array, and a note when a single page leaves tasks out. Without
    /// --offset/--limit every page is fetched; the first request carries no paging frame, so that a
    /// broker without paging answers it whole.
    private func fetch(_ client: ControlClient) throws -> (array: [UInt8], more: String?) {
        let single = offset != nil || limit != nil
        var request = PageRequest(offset: offset ?? 0, limit: limit ?? PageRequest.defaultLimit)
        var items: [ArraySlice<UInt8>] = []
        while true {
            let body = try client.request(.tasks(.list, argument: request.frame.map { String(decoding: $0, as: UTF8.self) }))
            let array = body.first ?? Array("[]".utf8)
            // Page.encode writes `[item,item]`: the items are spliced, not decoded and encoded again.
            let inner = array.dropFirst().dropLast()
            if !inner.isEmpty { items.append(inner) }
            guard body.count >= 2, let info = try? JSONDecoder().decode(PageInfo.self, from: Data(body[1])) else { break }
            guard let next = info.nextOffset else { break }
            if single {
                return (
                    Self.join(items),
                    "(tasks \(info.offset + 1)-\(info.offset + info.returned) of \(info.total); next page: --offset \(next))"
                )
            }
            request = PageRequest(offset: next, limit: PageRequest.maxLimit)
        }
        return (Self.join(items), nil)
    }

    private static func join(_ items: [ArraySlice<UInt8>]) -> [UInt8] {
        var array: [UInt8] = [UInt8(ascii: "[")]
        for (index, item) in items.enumerated() {
            if index > 0 { array.append(UInt8(ascii: ",")) }
            array += item
        }
        array.append(UInt8(ascii: "]"))
        return array
    }

    /// The default table fits 100 columns: the schedule is cut, the target and the last error are left to
    /// `-o wide`.
    private static func table(_ tasks: [TaskReport], output: OutputOptions) -> String {
        var header = ["TASK", "STATE", "RUNS", "FAILS", "NEXT RUN", "SCHEDULE"]
        if output.isWide { header += ["TARGET", "LAST ERROR"] }
        let rows = tasks.map { task in
            let zone = TimeText.zone(ofSchedule: task.schedule)
            var row = [
                task.id, task.state, String(task.runCount), String(task.failureCount),
                TimeText.describe(task.nextRun, absolute: output.absolute, zone: zone), task.schedule,
            ]
            if output.isWide { row += [task.target, task.lastError ?? ""] }
            return row
        }
        return Table(
            header: header, rows: rows, maxWidth: output.isWide ? nil : Table.defaultWidth,
            style: { column, text in column == 1 ? Terminal.style(forState: text) : nil }
        ).render()
    }
}

/// What every command about one task takes.
struct TaskIDArguments: ParsableArguments {
    @Argument(help: "The task id.") var id: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions
}

/// The commands that take a task id and print the task after the change.
protocol TaskIDCommand: ParsableCommand {
    static var verb: TaskVerb { get }
    var task: TaskIDArguments { get }
}

extension TaskIDCommand {
    func run() throws {
        try runTasks(Self.verb, task.id, output: task.output, options: task.options) { try describe($0, output: task.output) }
    }
}

struct TasksShow: TaskIDCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a task, its definition and recent runs.")
    static let verb = TaskVerb.show
    @OptionGroup var task: TaskIDArguments
}

struct TasksPause: TaskIDCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop a task's fires until resumed.")
    static let verb = TaskVerb.pause
    @OptionGroup var task: TaskIDArguments
}

struct TasksResume: TaskIDCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused task (fires missed while paused are dropped).")
    static let verb = TaskVerb.resume
    @OptionGroup var task: TaskIDArguments
}

struct TasksCancel: TaskIDCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "End a task for good, canceling its runs in flight.")
    static let verb = TaskVerb.cancel
    @OptionGroup var task: TaskIDArguments
}

struct TasksTrigger: TaskIDCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "Run a task now, outside its schedule, under its concurrency policy.")
    static let verb = TaskVerb.trigger
    @OptionGroup var task: TaskIDArguments
}

struct TasksRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Delete a task added at run time (topology tasks are removed from the file).")
    @OptionGroup var task: TaskIDArguments

    func run() throws {
        try runTasks(.remove, task.id, output: task.output, options: task.options) { _ in "removed \(task.id)" }
    }
}

/// `plexus tasks recover --data DIR`: with the broker stopped, moves a damaged task database aside
/// and keeps what is still readable in a fresh one. Refuses, saying why, when there is nothing to do.
struct TasksRecover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Move a damaged task database aside and keep its readable rows in a fresh one (broker stopped).",
        discussion: """
            The broker refuses to start when DIR/tasks.sqlite is damaged. This moves it (and its -wal and -shm \
            files) to tasks.sqlite.damaged-<UTC time> and copies every task, run and state row SQLite can still \
            read into a fresh tasks.sqlite. It refuses when the database is fine or when recovery cannot help \
            (a read-only file or directory, a full disk). Run it while the broker is stopped.
            """)

    @Option(help: "The broker's data directory (where tasks.sqlite lives).") var data: String

    func run() throws {
        let outcome: TaskDatabaseRecovery.Outcome
        do {
            outcome = try TaskDatabaseRecovery.recover(directory: data)
        } catch {
            throw fail("cannot recover: \(error)")
        }
        switch outcome {
        case .refused(let reason): throw fail(reason)
        case .recovered(let report): emit(report.description)
        }
    }
}
