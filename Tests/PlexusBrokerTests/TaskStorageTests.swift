import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

@testable import PlexusBroker

/// The task database under damage and write failures, with a real broker process.
@Suite("Task database failures (live)", .serialized)
struct TaskStorageTests {
    /// `plexus broker` arguments on ephemeral ports with `data` as its data directory.
    static func brokerArguments(_ data: String) -> [String] {
        [
            "broker", "--control", "tcp://127.0.0.1:*", "--events-in", "tcp://127.0.0.1:*", "--events-out",
            "tcp://127.0.0.1:*", "--data", data,
        ]
    }

    /// A broker on `data` that holds three tasks, one of which ran; stopped again.
    static func prepare(_ data: String, in directory: URL) throws {
        let broker = try TestBroker(directory: directory, arguments: ["--data", data])
        defer { broker.stop() }
        let client = try broker.client()
        for id in ["alpha", "beta", "gamma"] { try client.addTask(["id": id, "every": "1h", "topic": "demo.\(id)"]) }
        _ = try client.tasks(.trigger, "alpha")
        try broker.waitForTask("alpha") { $0.history?.count == 1 }
    }

    @Test("a damaged database stops the broker at start, naming the file; tasks recover brings back what is readable")
    func damagedDatabase() throws {
        let directory = try TestDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let file = data + "/tasks.sqlite"
        try Self.prepare(data, in: directory)

        // Noise over the history and broker-state tables; the task table stays readable.
        let pages = try TaskStore.rootPages(of: file)
        try FileSystemFaults.damage(file, pages: [try #require(pages["run"]), try #require(pages["broker_state"])])
        let refused = try runPlexus(Self.brokerArguments(data))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("the task database \(file) is damaged"), "\(refused.stderr)")
        #expect(refused.stderr.contains("plexus tasks recover --data \(data)") && refused.stderr.contains("--data DIR"))

        let recovered = try runPlexus(["tasks", "recover", "--data", data])
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(recovered.stdout.contains("kept in a fresh \(file): 3 tasks"), "\(recovered.stdout)")
        #expect(recovered.stdout.contains("could not read: table run"))
        let files = try FileManager.default.contentsOfDirectory(atPath: data)
        #expect(files.contains { $0.hasPrefix("tasks.sqlite.damaged-") }, "\(files)")

        let broker = try TestBroker(directory: directory, arguments: ["--data", data])
        let tasks = try broker.client().tasks(.list, as: [TaskReport].self)
        broker.stop()
        #expect(tasks.map(\.id) == ["alpha", "beta", "gamma"])
        // Counters live in the task row: kept; the history was in the damaged table.
        #expect(tasks.first?.runCount == 1)

        let again = try runPlexus(["tasks", "recover", "--data", data])
        #expect(again.status != 0 && again.stderr.contains("\(file) is fine"), "\(again.stderr)")
        let nothing = try runPlexus(["tasks", "recover", "--data", directory.appendingPathComponent("none").path])
        #expect(nothing.status != 0 && nothing.stderr.contains("there is no task database"))
    }

    /// Starts a broker on `data`, expecting a refusal that names `file` as not writable, and asks
    /// `tasks recover`, expecting it to decline.
    static func expectRefusedAsUnwritable(_ data: String, _ file: String) throws {
        let refused = try runPlexus(brokerArguments(data))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("the task database \(file) cannot be written"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--data DIR"))
        // Recovery cannot help a file that cannot be written, and says so.
        let recovery = try runPlexus(["tasks", "recover", "--data", data])
        #expect(recovery.status != 0 && recovery.stderr.contains("recovery cannot help"), "\(recovery.stderr)")
    }

    @Test("a read-only database file stops the broker at start, naming the file", .enabled(if: FileSystemFaults.canMakeImmutable))
    func readOnlyFile() throws {
        let directory = try TestDirectory.make()
        let data = directory.appendingPathComponent("data").path
        let file = data + "/tasks.sqlite"
        defer {
            FileSystemFaults.setImmutable(file, false)
            try? FileManager.default.removeItem(at: directory)
        }
        try Self.prepare(data, in: directory)
        FileSystemFaults.setImmutable(file, true)
        try Self.expectRefusedAsUnwritable(data, file)
        FileSystemFaults.setImmutable(file, false)
        // Writable again: the broker starts with its tasks.
        let broker = try TestBroker(directory: directory, arguments: ["--data", data])
        defer { broker.stop() }
        #expect(try broker.client().tasks(.list, as: [TaskReport].self).count == 3)
    }

    @Test(
        "a data directory on a read-only file system stops the broker at start, naming the file",
        .enabled(if: FileSystemFaults.canMountTmpfs))
    func readOnlyDirectory() throws {
        let mount = try TmpfsMount(kilobytes: 1024)
        defer { mount.remove() }
        let data = mount.path + "/data"
        try Self.prepare(data, in: try TestDirectory.make())
        try mount.remount(readOnly: true)
        try Self.expectRefusedAsUnwritable(data, data + "/tasks.sqlite")
        try mount.remount(readOnly: false)
        let broker = try TestBroker(arguments: ["--data", data])
        defer { broker.stop() }
        #expect(try broker.client().tasks(.list, as: [TaskReport].self).count == 3)
    }

    @Test(
        "on a full disk task commands answer 503 and nothing unstored is acknowledged; pending changes are stored later",
        .enabled(if: FileSystemFaults.canMountTmpfs))
    func fullDisk() throws {
        let mount = try TmpfsMount(kilobytes: 1024)
        let data = mount.path + "/data"
        let file = data + "/tasks.sqlite"
        var broker = try TestBroker(arguments: ["--data", data])
        defer {
            broker.stop()
            mount.remove()
        }
        var client = try broker.client()
        try client.addTask(["id": "before", "every": "1h", "topic": "demo.before"])
        try client.addTask(["id": "ticker", "every": "1s", "topic": "demo.tick"])
        try broker.waitForTask("ticker") { $0.runCount >= 1 }

        FileSystemFaults.fill(mount.path + "/filler")
        // Whatever still fits in space SQLite holds already is stored and acknowledged; then the refusal.
        var acknowledged: [String] = []
        var refusal: (id: String, error: ProtocolError)?
        for n in 0..<50 {
            let id = "fill\(n)"
            do {
                try client.addTask([
                    "id": id, "every": "1h", "topic": "demo.fill", "payload": String(repeating: "x", count: 3000),
                ])
                acknowledged.append(id)
            } catch ClientError.rejected(let error) {
                refusal = (id, error)
                break
            }
        }
        let (refusedID, error) = try #require(refusal)
        #expect(error.code == 503 && error.error == "unavailable")
        #expect(error.message.contains("the task database \(file) cannot be written") && error.message.contains("full"))
        #expect(error.message.contains("TASKS ADD was not carried out"), "\(error.message)")
        var ids = try client.tasks(.list, as: [TaskReport].self).map(\.id)
        #expect(!ids.contains(refusedID))

        // Refused before anything changes while the database fails.
        #expect(rejection { _ = try client.tasks(.pause, "before") }?.code == 503)
        #expect(try client.tasks(.show, "before").state == "pending")
        let stats = try #require(try client.stats().taskStorage)
        #expect(stats.ok == false && stats.writeFailures >= 1 && stats.database == file && stats.failingSince != nil)
        #expect(stats.lastError?.contains(file) == true)
        // Fires go on in memory meanwhile.
        let failing = try broker.waitForTask("ticker") { $0.runCount >= 3 }

        try FileManager.default.removeItem(atPath: mount.path + "/filler")
        #expect(waitUntil(timeout: 10) { (try? client.stats().taskStorage?.ok) == true })
        try client.addTask(["id": "after", "every": "1h", "topic": "demo.after"])
        broker.stop()

        // Everything acknowledged is there after a restart, the refused task is not, and the fires
        // counted while writes failed were stored once they worked again.
        broker = try TestBroker(arguments: ["--data", data])
        client = try broker.client()
        let restored = try client.tasks(.list, as: [TaskReport].self)
        ids = restored.map(\.id)
        #expect(ids == (["after", "before", "ticker"] + acknowledged).sorted())
        #expect((restored.first { $0.id == "ticker" }?.runCount ?? 0) >= failing.runCount)
        #expect(try client.stats().taskStorage?.ok == true)
    }
}

@Suite("Task limits and paging (live)", .serialized)
struct TaskLimitTests {
    @Test("TASKS ADD beyond broker.max_tasks is refused with 409 naming the limit; topology tasks count")
    func maxTasks() throws {
        let broker = try TestBroker(topology: "broker: { max_tasks: 3 }\ntasks:\n  declared: { every: 1h, topic: demo.d }\n")
        defer { broker.stop() }
        let client = try broker.client()
        try client.addTask(["id": "one", "every": "1h", "topic": "demo.x"])
        try client.addTask(["id": "two", "every": "1h", "topic": "demo.x"])
        let refused = rejection { try client.addTask(["id": "three", "every": "1h", "topic": "demo.x"]) }
        #expect(refused?.code == 409)
        #expect(
            refused?.message
                == "cannot add task 'three': the broker holds 3 tasks, its limit (broker.max_tasks 3); remove tasks or raise the limit"
        )
        // A duplicate id is still reported as such, and a removal makes room.
        #expect(
            rejection { try client.addTask(["id": "two", "every": "1h", "topic": "demo.x"]) }?.message.contains("already exists")
                == true)
        _ = try client.tasks(.remove, "one", as: [String: String].self)
        try client.addTask(["id": "three", "every": "1h", "topic": "demo.x"])
        #expect(try client.tasks(.list, as: [TaskReport].self).map(\.id) == ["declared", "three", "two"])
    }
}

extension TaskLimitTests {
    /// `TASKS LIST` with a paging frame: the page's task ids and its `PageInfo`.
    static func page(_ client: ControlClient, _ frame: String?) throws -> (ids: [String], info: PageInfo?) {
        let body = try client.request(.tasks(.list, argument: frame))
        let tasks = try JSONDecoder().decode([TaskReport].self, from: Data(body[0]))
        return (tasks.map(\.id), body.count > 1 ? try JSONDecoder().decode(PageInfo.self, from: Data(body[1])) : nil)
    }

    @Test("TASKS LIST pages in id order with a PageInfo; bad paging is 400; the CLI fetches every page")
    func paging() throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let client = try broker.client()
        let ids = (0..<1_205).map { String(format: "p%04d", $0) }
        for id in ids.shuffled() { try client.addTask(["id": id, "cron": "0 3 * * *", "topic": "demo.page"]) }

        // No frame: the default page (1,000), its items shaped as before (no history).
        let first = try client.request(.tasks(.list, argument: nil))
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(first[0])) as? [[String: Any]])
        #expect(objects.count == 1_000 && objects.first?["history"] == nil && objects.first?["next_run"] is String)
        #expect(
            try JSONDecoder().decode(PageInfo.self, from: Data(first[1]))
                == PageInfo(total: 1_205, offset: 0, returned: 1_000, nextOffset: 1_000))

        var page = try Self.page(client, #"{"offset": 10, "limit": 5}"#)
        #expect(page.ids == Array(ids[10..<15]) && page.info == PageInfo(total: 1_205, offset: 10, returned: 5, nextOffset: 15))
        page = try Self.page(client, #"{"offset": 1200, "limit": 100}"#)
        #expect(page.ids == Array(ids[1_200...]) && page.info?.nextOffset == nil)
        page = try Self.page(client, #"{"offset": 5000}"#)
        #expect(page.ids.isEmpty && page.info == PageInfo(total: 1_205, offset: 1_205, returned: 0, nextOffset: nil))
        for bad in [#"{"limit": 0}"#, #"{"limit": 10001}"#, #"{"offset": -1}"#, "not json"] {
            let error = rejection { _ = try client.request(.tasks(.list, argument: bad)) }
            #expect(
                error?.code == 400 && error?.message.hasPrefix("TASKS LIST paging") == true,
                "\(bad): \(String(describing: error))")
        }

        // The CLI: every page by default, in order; one page with --offset/--limit, and a note on stderr.
        let all = try runPlexus(["tasks", "list", "--json", "--broker", broker.control])
        let listed = try JSONDecoder().decode([TaskReport].self, from: Data(all.stdout.utf8)).map(\.id)
        #expect(all.status == 0 && listed == ids && all.stderr.isEmpty)
        let table = try runPlexus(["tasks", "list", "--broker", broker.control])
        #expect(table.stdout.split(separator: "\n").count == 1 + 1_205)
        let one = try runPlexus(["tasks", "list", "--json", "--offset", "100", "--limit", "3", "--broker", broker.control])
        #expect(try JSONDecoder().decode([TaskReport].self, from: Data(one.stdout.utf8)).map(\.id) == Array(ids[100..<103]))
        #expect(one.stderr.contains("(tasks 101-103 of 1205; next page: --offset 103)"))
        let bad = try runPlexus(["tasks", "list", "--limit", "0", "--broker", broker.control])
        #expect(bad.status != 0 && bad.stderr.contains("limit") && bad.stderr.contains("from 1 to 10000"), "\(bad)")
    }
}
