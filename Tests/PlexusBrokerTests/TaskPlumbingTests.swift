import Foundation
import PlexusProtocol
import PlexusTasks
import Testing

@testable import PlexusBroker

@Suite("Task plumbing in the broker (no sockets)")
struct TaskPlumbingTests {
    func requests(_ actions: [ServiceDispatcher<BrokerCaller>.Action]) -> [(String, String)] {
        actions.compactMap { if case .request(let instance, let rid, _, _, _) = $0 { (instance, rid) } else { nil } }
    }

    @Test("a task call restricted to one instance waits for it without holding up other calls; abandon cancels")
    func restrictedCalls() {
        var d = ServiceDispatcher<BrokerCaller>()
        _ = d.workerAdded("a", services: ["s"], capacity: 1, now: 0)
        _ = d.workerAdded("b", services: ["s"], capacity: 1, now: 0)
        let client = BrokerCaller.plexus(ControlEnvelope(routingID: [1]), requestID: [1])
        // Occupy b, then ask for b again: the second waits; a plain call behind it still goes to a.
        let first = requests(
            d.call(
                "s", body: [], caller: .task(runID: "t#1", instance: "b"), callerName: "plexus.scheduler",
                options: CallOptions(), now: 0, wall: 0, only: ["b"]))
        #expect(first.map(\.0) == ["b"])
        let waiting = requests(
            d.call(
                "s", body: [], caller: .task(runID: "t#2", instance: "b"), callerName: "plexus.scheduler",
                options: CallOptions(), now: 0, wall: 0, only: ["b"]))
        #expect(waiting.isEmpty)
        let plain = requests(d.call("s", body: [], caller: client, callerName: "c", options: CallOptions(), now: 0, wall: 0))
        #expect(plain.map(\.0) == ["a"])
        // Abandoning run t#1 cancels it on b without an answer, and b takes t#2.
        let abandoned = d.abandon(runID: "t#1", now: 1)
        #expect(abandoned.contains(.cancel(instance: "b", rid: first[0].1)))
        #expect(requests(abandoned).map(\.0) == ["b"])
        #expect(!abandoned.contains { if case .answer = $0 { true } else { false } })
    }

    @Test("an unknown service queues a task run instead of failing it; the answer names the instance")
    func taskCallsWaitForInstances() {
        var d = ServiceDispatcher<BrokerCaller>()
        let actions = d.call(
            "later", body: [], caller: .task(runID: "t#1", instance: nil), callerName: "plexus.scheduler",
            options: CallOptions(timeoutMilliseconds: 1000), now: 0, wall: 0, queueIfUnknown: true)
        #expect(actions.isEmpty)
        let joined = d.workerAdded("w", services: ["later"], capacity: 1, now: 10)
        let rid = requests(joined).first?.1 ?? ""
        let answered = d.answer(.reply(rid: rid, body: Array("ok".utf8)), from: "w", now: 20)
        #expect(answered.first == .answer(.task(runID: "t#1", instance: nil), .final(Array("ok".utf8)), from: "w"))
    }

    @Test("task event JSON written by hand matches JSONEncoder's")
    func eventEncoding() throws {
        let events = [
            TaskEvent(
                topic: TaskEvent.failed, taskID: "a.b", runID: "a.b#3",
                scheduledAt: Date(timeIntervalSince1970: 1_795_000_000.25),
                attempt: 2, reason: "x: \"quoted\"\n", retryAt: Date(timeIntervalSince1970: 1_795_000_001)),
            TaskEvent(topic: TaskEvent.skipped, taskID: "t"),
            TaskEvent(topic: TaskEvent.started, taskID: "t", runID: "t#1", scheduledAt: Date(timeIntervalSince1970: -0.5)),
        ]
        for event in events {
            let fast = try JSONSerialization.jsonObject(with: Data(TaskEventEncoder.encode(event))) as? NSDictionary
            var reference = try #require(try JSONSerialization.jsonObject(with: Data(TaskJSON.encode(event))) as? [String: Any])
            reference["topic"] = nil
            for key in ["attempt", "reason", "retry_at", "run_id", "scheduled_at"] where reference[key] == nil {
                reference[key] = NSNull()
            }
            #expect(fast == reference as NSDictionary, "\(event)")
        }
        #expect(TaskEventEncoder.rfc3339(Date(timeIntervalSince1970: 1_795_000_000.25)) == "2026-11-18T11:06:40.250Z")
    }

    @Test("the store keeps tasks and the last-seen time, deletes removed ones and keeps unreadable rows aside")
    func store() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plexus-store-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        var scheduler = TaskScheduler()
        let now = Date()
        try scheduler.add(TaskDefinition(id: "a", schedule: .every(5), target: .topic("x.y")), now: now)
        try scheduler.add(TaskDefinition(id: "b", schedule: .cron("@daily"), target: .service("s", fanOut: "all")), now: now)
        _ = try scheduler.trigger("a", now: now)
        let store = try TaskStore(directory: directory.path)
        let stored = scheduler.tasks.values.map { TaskStore.Stored(task: $0, origin: $0.id == "a" ? .runtime : .topology) }
        #expect(store.save(stored, removed: [], seen: now, wait: true) == nil)
        #expect(store.save([], removed: ["b"], seen: now.addingTimeInterval(1), wait: true) == nil)

        let reopened = try TaskStore(directory: directory.path)
        let contents = try reopened.load()
        let tasks = contents.tasks
        #expect(tasks.map(\.task.id) == ["a"] && tasks.first?.origin == .runtime && contents.unreadable.isEmpty)
        #expect(tasks.first?.task.runtime == scheduler.tasks["a"]?.runtime)
        #expect(abs((contents.lastSeen ?? .distantPast).timeIntervalSince(now.addingTimeInterval(1))) < 0.001)

        // Runs are stored once each and leave the table with the history: 25 runs, the last 20 kept.
        for second in 1...24 { _ = try scheduler.trigger("a", now: now.addingTimeInterval(Double(second))) }
        let a = try #require(scheduler.tasks["a"])
        #expect(a.runtime.history.count == TaskRuntime.historyLimit && a.runtime.history.first?.runID == "a#6")
        #expect(reopened.save([TaskStore.Stored(task: a, origin: .runtime)], removed: [], seen: now, wait: true) == nil)
        let again = try TaskStore(directory: directory.path).load().tasks
        #expect(again.first?.task.runtime == a.runtime)
    }
}
