import PlexusPlugin
import PlexusProtocol
import Testing

@Suite("Durable subscriptions from a plugin's config block")
struct DurableConfigTests {
    @Test("one object or a list; start, max_attempts and backoff read; bad entries named, not ignored silently")
    func declaredInConfig() throws {
        let single = try JSONValue(any: [
            "durable": ["name": "billing", "pattern": "order.>", "max_attempts": 3, "backoff": 0.25]
        ])
        let (one, none) = DurableSubscription.declared(in: single)
        #expect(none.isEmpty)
        #expect(one == [DurableSubscription(name: "billing", pattern: "order.>", maxAttempts: 3, backoffMilliseconds: 250)])

        let list = try JSONValue(any: [
            "durable": [
                ["name": "a", "pattern": "x.*", "start": "all"], ["name": "b", "pattern": "y", "start": 42],
                ["pattern": "z"], ["name": "bad name!", "pattern": "z"], ["name": "c", "pattern": "a.>x"],
                ["name": "d", "pattern": "q", "start": "yesterday"],
            ]
        ])
        let (many, problems) = DurableSubscription.declared(in: list)
        #expect(many.map(\.name) == ["a", "b"])
        #expect(many.map(\.start) == [.all, .after(42)])
        #expect(problems.count == 4, "\(problems)")
        #expect(DurableSubscription.declared(in: .object([:])).subscriptions.isEmpty)
    }
}
