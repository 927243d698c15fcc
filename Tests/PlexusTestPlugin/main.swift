import Foundation
import PlexusClient
import PlexusPlugin
import PlexusProtocol
import Synchronization

/// A plugin for the service tests. Every answer starts with the instance id, so tests see who served.
///
/// - `test.echo`: answers `INSTANCE:BODY`.
/// - `test.slow`: waits `sleep_ms` (header, default 1000) unless cancelled, then answers `INSTANCE`.
/// - `test.block`: blocks its thread for `sleep_ms` (header, default 1000), as careless handler code does,
///   then answers `INSTANCE`.
/// - `test.fail`: fails with 418 `teapot`.
/// - `test.flaky`: fails with 500 while the file named by config `fail_flag` exists, else answers.
/// - `test.stream`: three partial answers, then the final one.
/// - `test.health`: the body is a health report (JSON), set with `context.setHealth`; answers
///   `INSTANCE: STATUS`. With header `for_ms`, it sets `passing` again that much later, from a task of its
///   own (an isolated instance gets no call that could heal it).
/// - `health()` hook: `critical` while the file named by config `health_flag` exists, else passing; called
///   every config `health_interval_ms` (default 10 s).
/// - `test.relay`: calls the service named in the body through the broker and answers with its answer.
/// - task `test.task`: the payload is JSON `{"sleep_ms": {INSTANCE: ms}, "fail": [INSTANCE, …]}`, so one
///   run can make one instance slow and another fail; it answers `INSTANCE ran RUN_ID (attempt N)`
///   and logs `task TASK RUN_ID ATTEMPT SCHEDULED_MS` on stdout.
/// - durable subscriptions from its config (`durable:`): each event is appended to the file named by config
///   `durable_out` as `SEQ TOPIC PAYLOAD`; an event whose payload is `fail` throws, every time.
/// Each request is logged on stdout as `serving SERVICE`, so tests can count what was started.
struct TestPlugin: Plugin {
    let name = "testplugin"
    let type = "test"
    let version = "1.0.0"
    let services = [
        "test.echo", "test.slow", "test.block", "test.fail", "test.flaky", "test.stream", "test.relay", "test.health",
    ]
    let tasks = ["test.task"]

    struct TaskOrders: Decodable {
        var sleepMs: [String: Int]?
        var fail: [String]?
        enum CodingKeys: String, CodingKey {
            case fail
            case sleepMs = "sleep_ms"
        }
    }

    func runTask(_ run: TaskRun, request: ServiceRequest, context: PluginContext) async throws -> String? {
        let me = context.instance
        let scheduled = Int64(run.scheduledAt.timeIntervalSince1970 * 1000)
        FileHandle.standardOutput.write(Data("task \(run.taskID) \(run.runID) \(run.attempt) \(scheduled)\n".utf8))
        let orders = (try? JSONDecoder().decode(TaskOrders.self, from: Data(request.body))) ?? TaskOrders()
        if let milliseconds = orders.sleepMs?[me] { try await Task.sleep(for: .milliseconds(milliseconds)) }
        if orders.fail?.contains(me) == true { throw ServiceError(500, "task_failed", "\(me) failed on purpose") }
        return "\(me) ran \(run.runID) (attempt \(run.attempt))"
    }
    /// Requests handled at once (`TEST_CONCURRENCY`, default 1): the benchmark runs 8 in flight.
    var concurrency: Int { Int(ProcessInfo.processInfo.environment["TEST_CONCURRENCY"] ?? "") ?? 1 }

    func start(context: PluginContext) async throws {
        if let milliseconds = context.config["health_interval_ms"]?.intValue {
            Self.healthIntervalSetting.withLock { $0 = .milliseconds(milliseconds) }
        }
    }

    /// The health hook's interval, from config `health_interval_ms` once the plugin started.
    static let healthIntervalSetting = Mutex<Duration>(.seconds(10))
    var healthInterval: Duration { Self.healthIntervalSetting.withLock { $0 } }

    func health(context: PluginContext) async -> HealthReport {
        guard let flag = context.config["health_flag"]?.stringValue, FileManager.default.fileExists(atPath: flag) else {
            return HealthReport(status: .passing)
        }
        return HealthReport(status: .critical, message: "the health flag file exists")
    }

    func handleDurable(_ event: ReceivedEvent, subscription: String, context: PluginContext) async throws {
        if event.payload == Array("fail".utf8) { throw ServiceError(500, "refused", "payload 'fail' always fails") }
        guard let path = context.config["durable_out"]?.stringValue else { return }
        // One write per event, before the SDK acknowledges it: a SIGKILL loses nothing already handled.
        let line = Data("\(event.meta.seq) \(event.topic) \(event.text ?? "")\n".utf8)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    func serve(_ request: ServiceRequest, context: PluginContext) async throws -> [UInt8] {
        // One write per line: the broker reads it at once (print() would sit in stdio's buffer).
        FileHandle.standardOutput.write(Data("serving \(request.service)\n".utf8))
        let me = context.instance
        switch request.service {
        case "test.echo":
            return Array("\(me):".utf8) + request.body
        case "test.block":
            // Deliberately blocking, not awaiting: heartbeats must not depend on handlers being polite.
            blockThread(milliseconds: Int(request.headers["sleep_ms"] ?? "") ?? 1000)
            return Array(me.utf8)
        case "test.slow":
            let milliseconds = Int(request.headers["sleep_ms"] ?? "") ?? 1000
            try await Task.sleep(for: .milliseconds(milliseconds))
            return Array(me.utf8)
        case "test.fail":
            throw ServiceError(418, "teapot", "failing on purpose")
        case "test.flaky":
            if let flag = context.config["fail_flag"]?.stringValue, FileManager.default.fileExists(atPath: flag) {
                throw ServiceError(500, "flaky", "the flag file exists")
            }
            return Array("\(me): fine".utf8)
        case "test.relay":
            // Calls the service named in the body, through the broker, with the SDK's client.
            let target = request.text ?? ""
            return Array("\(me) relayed: ".utf8) + (try await context.call(target, body: Array("from \(me)".utf8)))
        case "test.health":
            let report = try JSONCoding.decode(HealthReport.self, from: request.body, what: "health report")
            context.setHealth(report)
            if let milliseconds = Int(request.headers["for_ms"] ?? "") {
                Task {
                    try await Task.sleep(for: .milliseconds(milliseconds))
                    context.setHealth(HealthReport(status: .passing))
                }
            }
            return Array("\(me): \(report.status.rawValue)".utf8)
        case "test.stream":
            for part in 1...3 { try request.partial(Array("part \(part)".utf8)) }
            return Array("\(me): done".utf8)
        default:
            throw ServiceError(404, "unknown", request.service)
        }
    }
}

await TestPlugin.main()

/// Blocks the calling thread (`usleep`, which async code may call, unlike `Thread.sleep`).
func blockThread(milliseconds: Int) {
    usleep(UInt32(clamping: milliseconds * 1000))
}
