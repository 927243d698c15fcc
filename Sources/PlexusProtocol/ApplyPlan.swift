/// The body of an `APPLY` reply: what moving to the new topology changes (or, for a dry run, would
/// change), by plugin and task name.
///
/// Older brokers sent only the name lists and `notes`; the other fields decode to their defaults.
public struct ApplyPlan: Codable, Sendable, Equatable {
    public var start: [String] = []
    public var stop: [String] = []
    public var restart: [String] = []
    public var reload: [String] = []
    public var unchanged: [String] = []
    /// Changes that apply only after a broker restart, and similar remarks.
    public var notes: [String] = []
    /// Whether this plan answers a dry run: nothing was touched.
    public var dryRun = false
    /// Enabled plugins whose command cannot be launched. A real `APPLY` with any is refused whole (400);
    /// a dry run answers the plan with them listed.
    public var problems: [LaunchProblem] = []
    /// Per plugin and task: what changes and which fields differ, in topology order (plugins first).
    public var changes: [PlanChange] = []
    /// The topology's `tasks:` section.
    public var tasks = TaskPlan()

    public init() {}

    /// Whether nothing starts, stops, restarts or reloads, and no task changes.
    public var changesNothing: Bool {
        start.isEmpty && stop.isEmpty && restart.isEmpty && reload.isEmpty && tasks.changesNothing
    }

    enum CodingKeys: String, CodingKey {
        case start, stop, restart, reload, unchanged, notes, problems, changes, tasks
        case dryRun = "dry_run"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        start = try container.decodeIfPresent([String].self, forKey: .start) ?? []
        stop = try container.decodeIfPresent([String].self, forKey: .stop) ?? []
        restart = try container.decodeIfPresent([String].self, forKey: .restart) ?? []
        reload = try container.decodeIfPresent([String].self, forKey: .reload) ?? []
        unchanged = try container.decodeIfPresent([String].self, forKey: .unchanged) ?? []
        notes = try container.decodeIfPresent([String].self, forKey: .notes) ?? []
        dryRun = try container.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
        problems = try container.decodeIfPresent([LaunchProblem].self, forKey: .problems) ?? []
        changes = try container.decodeIfPresent([PlanChange].self, forKey: .changes) ?? []
        tasks = try container.decodeIfPresent(TaskPlan.self, forKey: .tasks) ?? TaskPlan()
    }
}

/// A plugin whose command cannot be launched (missing, not executable, not on `PATH`).
public struct LaunchProblem: Codable, Sendable, Equatable {
    public var plugin: String
    public var problem: String

    public init(plugin: String, problem: String) {
        self.plugin = plugin
        self.problem = problem
    }
}

/// One plugin's or task's change in an `ApplyPlan`, the way `kubectl diff` shows it.
public struct PlanChange: Codable, Sendable, Equatable {
    /// `plugin` or `task`.
    public var kind: String
    public var name: String
    /// Plugins: `start`, `stop`, `restart`, `reload`; tasks: `add`, `remove`, `update`.
    public var action: String
    /// What differs, one line each (`command: [a] -> [b]`, `env: +TOKEN`, `config: changed keys greeting`).
    /// Environment and config values are never shown, only their keys: they may hold secrets.
    public var fields: [String]

    public init(kind: String, name: String, action: String, fields: [String] = []) {
        self.kind = kind
        self.name = name
        self.action = action
        self.fields = fields
    }
}

/// What `APPLY` does to the tasks the topology declares (tasks added at run time are not touched).
public struct TaskPlan: Codable, Sendable, Equatable {
    public var add: [String] = []
    public var remove: [String] = []
    public var update: [String] = []
    public var unchanged: [String] = []

    public init() {}

    public var changesNothing: Bool { add.isEmpty && remove.isEmpty && update.isEmpty }
}

/// The optional `OPTIONS` frame of `APPLY` (JSON; every key optional).
public struct ApplyOptions: Codable, Sendable, Equatable {
    /// Answer the plan, launch problems included, without changing anything.
    public var dryRun: Bool

    public init(dryRun: Bool = false) {
        self.dryRun = dryRun
    }

    enum CodingKeys: String, CodingKey { case dryRun = "dry_run" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dryRun = try container.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
    }
}
