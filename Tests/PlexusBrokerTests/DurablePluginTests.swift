import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// The Swift SDK's durable subscriptions in a supervised plugin, declared in its `config:` block
/// (docs/PROTOCOL.md section 10): at least once, in seq order, across a SIGKILL of the plugin, and a
/// handler that keeps failing sends its event to `plexus.deadletter.NAME`.
@Suite("Durable subscriptions of a Swift plugin (live)", .serialized)
struct DurablePluginTests {
    @Test("a supervised Swift plugin's durable subscription survives a SIGKILL and dead-letters what always fails")
    func durableAcrossSIGKILL() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let out = directory.appendingPathComponent("durable.txt").path
        let topology = """
            broker: { heartbeat_ms: 200 }
            plugins:
              orders:
                command: [\(Paths.testPlugin)]
                restart: { policy: always, initial: 100ms }
                config:
                  durable_out: \(out)
                  durable: { name: orders, pattern: "order.>", start: all, max_attempts: 2, backoff: 0.05 }
            """
        let broker = try TestBroker(topology: topology, directory: directory)
        defer { broker.stop() }
        let first = try #require(try broker.waitForRunning("orders").first)
        let letters = try broker.subscribe("plexus.deadletter.>")
        let client = try broker.client()
        var published: [UInt64] = []
        for index in 0..<20 {
            published.append(try client.publish(PublishRequest(topic: "order.new", payload: Array("\(index)".utf8))))
        }
        let failing = try client.publish(PublishRequest(topic: "order.new", payload: Array("fail".utf8)))

        func handled() -> [UInt64] {
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                UInt64($0.split(separator: " ").first ?? "")
            }
        }
        #expect(waitUntil(timeout: 20, interval: 0.05) { Set(handled()).isSuperset(of: published) })
        let letter = try letters.waitForEvent(topic: "plexus.deadletter.orders", timeout: 20)
        #expect(letter.meta.headers["original_seq"] == String(failing) && letter.meta.headers["attempts"] == "2")
        #expect(letter.payload == Array("fail".utf8))

        // Killed: the supervisor starts it again, and it resumes after what it acknowledged.
        kill(first.pid, SIGKILL)
        for index in 20..<40 {
            published.append(try client.publish(PublishRequest(topic: "order.new", payload: Array("\(index)".utf8))))
        }
        #expect(waitUntil(timeout: 30, interval: 0.05) { Set(handled()).isSuperset(of: published) }, "handled \(handled().count)")
        let restarted = try #require(try broker.waitForRunning("orders").first)
        #expect(restarted.pid != first.pid && (restarted.restarts ?? 0) >= 1, "the plugin was not killed and restarted")
        let seqs = handled()
        var seen = Set<UInt64>()
        let firsts = seqs.filter { seen.insert($0).inserted }
        #expect(firsts == firsts.sorted(), "handled out of seq order")
        #expect(Set(seqs) == Set(published), "handled something that was not published, or the failing event")
        let cursor = try #require(try client.request(.durable(.list), as: [DurableCursor].self).first { $0.name == "orders" })
        #expect(
            waitUntil(timeout: 10) {
                ((try? client.request(.durable(.list), as: [DurableCursor].self).first { $0.name == "orders" }?.acked) ?? 0)
                    >= published.last!
            }, "acked \(cursor.acked)")
    }
}
