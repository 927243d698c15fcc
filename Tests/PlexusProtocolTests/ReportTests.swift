import Foundation
import PlexusProtocol
import Testing

@Suite("Report bodies as data (TASKS, LOGS, RELOAD, APPLY, the ready file)")
struct ReportTests {
    @Test("a task report writes absent status values as null, leaves out history and definition when absent")
    func taskReportShape() throws {
        var report = TaskReport(
            id: "t", state: "pending", origin: "runtime", schedule: "every 10s", target: "topic a.b",
            pendingRetries: [TaskReport.PendingRetry(scheduledAt: "s", attempt: 2, dueAt: "d")])
        #expect(
            String(decoding: JSONCoding.encode(report), as: UTF8.self)
                == #"{"avg_duration_ms":null,"failure_count":0,"id":"t","last_error":null,"last_run":null,"#
                + #""next_run":null,"origin":"runtime","p99_duration_ms":null,"#
                + #""pending_retries":[{"attempt":2,"due_at":"d","scheduled_at":"s"}],"run_count":0,"running":[],"#
                + #""schedule":"every 10s","state":"pending","target":"topic a.b"}"#)
        report.history = [
            TaskReport.Run(
                runID: "t#1", scheduledAt: "2026-11-21T02:00:00.000Z", startedAt: "2026-11-21T02:00:00.001Z",
                finishedAt: "2026-11-21T02:00:05.300Z", attempt: 1, outcome: "succeeded",
                instances: ["a-1": .init(status: "success", message: "ok")])
        ]
        report.definition = .object(["id": .string("t"), "timeout": .number(60)])
        let decoded = try JSONCoding.decode(TaskReport.self, from: JSONCoding.encode(report), what: "report")
        #expect(decoded == report)
        #expect(abs((decoded.history?[0].duration ?? 0) - 5.299) < 1e-6)
        #expect(String(decoding: JSONCoding.encode(decoded.history![0]), as: UTF8.self).contains(#""error""#) == false)
        // Times stay text: through `Date` and back, .300 can come out as .299 (binary fractions).
        #expect(TaskReport.date("2026-11-21T02:00:05.300Z") != nil && TaskReport.date("soon") == nil)
    }

    @Test("logs, reload and apply bodies keep their field names")
    func lifecycleBodies() throws {
        let logs = LogsReply(lines: [LogLine(seq: 3, time: 7, instance: "g-1", stream: .stderr, line: "boom")], next: 3)
        #expect(
            String(decoding: JSONCoding.encode(logs), as: UTF8.self)
                == #"{"lines":[{"instance":"g-1","line":"boom","seq":3,"stream":"stderr","time":7}],"next":3}"#)
        #expect(String(decoding: JSONCoding.encode(ReloadReply(instances: ["g-1"])), as: UTF8.self) == #"{"instances":["g-1"]}"#)
        var plan = ApplyPlan()
        #expect(plan.changesNothing)
        plan.notes = ["n"]
        plan.stop = ["x"]
        #expect(!plan.changesNothing)
        #expect(
            String(decoding: JSONCoding.encode(plan), as: UTF8.self)
                == #"{"changes":[],"dry_run":false,"notes":["n"],"problems":[],"reload":[],"restart":[],"start":[],"stop":["x"],"#
                + #""tasks":{"add":[],"remove":[],"unchanged":[],"update":[]},"unchanged":[]}"#)
        // An older broker's plan (the name lists only) still decodes.
        let old = #"{"notes":[],"reload":[],"restart":["a"],"start":[],"stop":[],"unchanged":[]}"#
        let decoded = try JSONCoding.decode(ApplyPlan.self, from: Array(old.utf8), what: "plan")
        #expect(decoded.restart == ["a"] && !decoded.dryRun && decoded.changes.isEmpty && decoded.tasks == TaskPlan())
        #expect(
            String(decoding: JSONCoding.encode(ShutdownReply(broker: "b-1", instances: 2)), as: UTF8.self)
                == #"{"broker":"b-1","instances":2}"#)
        let ready = #"{"control":"tcp://127.0.0.1:1","events_in":"tcp://127.0.0.1:2","events_out":"tcp://127.0.0.1:3"}"#
        #expect(
            try JSONCoding.decode(BoundEndpoints.self, from: Array(ready.utf8), what: "ready")
                == BoundEndpoints(control: "tcp://127.0.0.1:1", eventsIn: "tcp://127.0.0.1:2", eventsOut: "tcp://127.0.0.1:3"))
    }
}
