import Testing

@testable import PlexusBroker

@Suite("Topic cache and counters")
struct TopicCacheTests {
    func lookup(_ cache: TopicCache, _ topic: String) -> TopicCache.Entry? {
        Array(topic.utf8).withUnsafeBytes { cache.lookup($0) }
    }

    @Test("hits only on identical bytes; a colliding topic replaces the slot")
    func hitsAndCollisions() {
        var cache = TopicCache(capacity: 1)  // one slot: every topic collides
        let counter = TopicCounter()
        #expect(lookup(cache, "a.b") == nil)
        cache.insert(.init(bytes: Array("a.b".utf8), name: "a.b", counter: counter))
        #expect(lookup(cache, "a.b")?.counter === counter)
        #expect(lookup(cache, "a.c") == nil)
        #expect(lookup(cache, "a.bb") == nil)
        cache.insert(.init(bytes: Array("a.c".utf8), name: "a.c", counter: TopicCounter()))
        #expect(lookup(cache, "a.b") == nil)
        #expect(lookup(cache, "a.c")?.name == "a.c")
    }

    @Test("counters are per topic up to the limit, then shared under (other)")
    func overflow() {
        var statistics = EventStatistics(maxTrackedTopics: 2)
        let a = statistics.counter(for: "a")
        #expect(statistics.counter(for: "a") === a)
        _ = statistics.counter(for: "b")
        let c = statistics.counter(for: "c")
        #expect(statistics.counter(for: "d") === c)
        c.record(bytes: 3, seq: 9)
        #expect(statistics.topics.keys.sorted() == ["(other)", "a", "b"])
        #expect(statistics.topics["(other)"]?.lastSeq == 9)
    }
}
