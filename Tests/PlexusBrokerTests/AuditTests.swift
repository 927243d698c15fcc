import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// The audit log on a live broker: one record per administrative command (allowed or failed), per
/// refused registration and per launch refused for integrity, fsynced to `audit.jsonl`, read back by
/// `AUDIT` and `plexus audit` with filters.
@Suite("Audit log (live broker)", .serialized)
struct AuditTests {
    @Test("lifecycle, task changes, a refused registration and an integrity failure are recorded; AUDIT filters them")
    func records() throws {
        let data = try TestDirectory.make()
        defer { TestDirectory.remove(data) }
        let topology = """
            plugins:
              testplugin:
                command: [\(yamlQuoted(Paths.testPlugin))]
              tampered:
                command: [\(yamlQuoted(Paths.testPlugin))]
                sha256: "\(String(repeating: "0", count: 64))"
            """
        let broker = try TestBroker(topology: topology, arguments: ["--data", data.path])
        defer { broker.stop() }
        let real = try broker.waitForRunning("testplugin")[0]
        let client = try broker.client()

        _ = try client.request(.lifecycle(.restart, plugin: "testplugin"))
        #expect(throws: ClientError.self) { try client.request(.lifecycle(.stop, plugin: "nope")) }
        let definition = #"{"id":"audited","every":"1h","topic":"audit.tick"}"#
        _ = try client.request(.tasks(.add, argument: definition))
        _ = try client.request(.tasks(.pause, argument: "audited"))
        _ = try client.request(.tasks(.list, argument: nil))  // reads are not audited
        let impostor = try RawPeer(endpoint: broker.control)
        _ = try impostor.register(
            JSONCoding.encode(Registration(name: "testplugin", instance: real.instance, pid: real.pid)))

        let all = try #require(
            waitFor(timeout: 10) { () -> [AuditRecord]? in
                let records = try? client.request(.audit(AuditQuery()), as: [AuditRecord].self)
                return (records?.count ?? 0) >= 6 ? records : nil
            }, "fewer than 6 audit records")
        let actions = all.map { "\($0.action) \($0.target)" }
        #expect(actions.contains("RESTART testplugin") && actions.contains("STOP nope"))
        #expect(actions.contains("TASKS ADD audited") && actions.contains("TASKS PAUSE audited"))
        #expect(!actions.contains { $0.hasPrefix("TASKS LIST") })
        let stop = try #require(all.first { $0.action == "STOP" })
        #expect(stop.result.contains("404") && stop.actor == AuditActor(name: "anonymous", via: "control"))
        let register = try #require(all.first { $0.action == "register" })
        #expect(register.decision == "denied" && register.target == real.instance)
        let integrity = try #require(all.first { $0.action == "integrity" })
        #expect(integrity.actor == .broker && integrity.target == "tampered-1" && integrity.result.contains("sha256"))
        #expect(all.map(\.time) == all.map(\.time).sorted())

        // Filters, and the CLI over the same command.
        let tasks = try client.request(.audit(AuditQuery(action: "tasks")), as: [AuditRecord].self)
        #expect(tasks.map(\.action) == ["TASKS ADD", "TASKS PAUSE"])
        #expect(try client.request(.audit(AuditQuery(actor: "broker")), as: [AuditRecord].self).map(\.action) == ["integrity"])
        #expect(try client.request(.audit(AuditQuery(limit: 1)), as: [AuditRecord].self) == [all.last!])
        let cli = try runPlexus(["audit", "--action", "RESTART", "--json", "--broker", broker.control])
        #expect(cli.status == 0)
        let printed = try JSONCoding.decode([AuditRecord].self, from: Array(cli.stdout.utf8), what: "audit")
        #expect(printed.map(\.action) == ["RESTART"])
        let human = try runPlexus(["audit", "--since", "1h", "--broker", broker.control])
        #expect(human.status == 0 && human.stdout.contains("TASKS PAUSE audited"))
        #expect(try runPlexus(["audit", "--limit", "0", "--broker", broker.control]).status != 0)

        // On disk, one JSON line per record, readable only by the broker's user.
        let file = data.appendingPathComponent("audit.jsonl").path
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == all.count)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
