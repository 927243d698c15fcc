import PlexusProtocol
import Testing

@testable import PlexusBroker

@Suite("Registry")
struct RegistryTests {
    func registration(_ instance: String, name: String = "p") -> Registration {
        Registration(name: name, instance: instance, pid: 1)
    }

    @Test("register, ready, goodbye")
    func lifecycle() throws {
        var registry = Registry()
        let outcome = registry.register(registration("a"), routingID: [1], wall: 10, monotonic: 100)
        #expect(outcome == .added)
        #expect(registry.session(route: [1])?.state == .starting)
        let running = registry.setState(.running, route: [1])
        #expect(running?.state == .running)
        #expect(registry.snapshot(monotonic: 2_100).first?.uptimeSeconds == 2)
        let removed = registry.remove(route: [1])
        #expect(removed?.instance == "a")
        #expect(registry.count == 0)
        let again = registry.remove(route: [1])
        #expect(again == nil)
    }

    @Test("a reconnect moves the session to the new connection")
    func reconnect() {
        var registry = Registry()
        registry.register(registration("a"), routingID: [1], wall: 0, monotonic: 0)
        let outcome = registry.register(registration("a"), routingID: [2], wall: 0, monotonic: 5)
        #expect(outcome == .reconnected)
        #expect(registry.count == 1)
        #expect(registry.session(route: [1]) == nil)
        #expect(registry.session(route: [2])?.instance == "a")
        let touched = registry.touch(route: [1], wall: 0, monotonic: 6)
        #expect(!touched)
    }

    @Test("a second instance on the same connection replaces the first")
    func replace() {
        var registry = Registry()
        registry.register(registration("a"), routingID: [1], wall: 0, monotonic: 0)
        guard case .replaced(let previous) = registry.register(registration("b"), routingID: [1], wall: 0, monotonic: 1) else {
            Issue.record("expected .replaced")
            return
        }
        #expect(previous.instance == "a")
        #expect(registry.count == 1)
        #expect(registry.session(instance: "a") == nil)
    }

    @Test("silent sessions are evicted oldest first; touched ones stay")
    func eviction() {
        var registry = Registry()
        registry.register(registration("old"), routingID: [1], wall: 0, monotonic: 0)
        registry.register(registration("newer"), routingID: [2], wall: 0, monotonic: 500)
        registry.register(registration("alive"), routingID: [3], wall: 0, monotonic: 0)
        registry.touch(route: [3], wall: 0, monotonic: 3_000)
        let none = registry.evictExpired(monotonic: 3_000, expiryMilliseconds: 3_000)
        #expect(none.isEmpty)
        let evicted = registry.evictExpired(monotonic: 3_600, expiryMilliseconds: 3_000)
        #expect(evicted.map(\.instance) == ["old", "newer"])
        #expect(registry.snapshot(monotonic: 3_600).map(\.instance) == ["alive"])
    }
}
