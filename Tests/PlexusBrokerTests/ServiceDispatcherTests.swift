import PlexusProtocol
import Testing

@testable import PlexusBroker

/// Callers are opaque to the dispatcher: these tests use plain strings.
typealias Dispatcher = ServiceDispatcher<String>

@Suite("Service dispatcher (no sockets)")
struct ServiceDispatcherTests {
    let caller = "client-1"

    func requests(_ actions: [Dispatcher.Action]) -> [(String, String)] {
        actions.compactMap { if case .request(let instance, let rid, _, _, _) = $0 { (instance, rid) } else { nil } }
    }

    func answers(_ actions: [Dispatcher.Action]) -> [ServiceAnswer] {
        actions.compactMap { if case .answer(_, let answer, _) = $0 { answer } else { nil } }
    }

    @Test("least recently used instance first; a full instance waits its turn; the queue is bounded")
    func dispatchAndQueue() {
        var d = Dispatcher()
        d.declared["s"] = ServiceSettings(queueLimit: 1)
        _ = d.workerAdded("a", services: ["s"], capacity: 1, now: 0)
        _ = d.workerAdded("b", services: ["s"], capacity: 1, now: 0)
        let first = requests(d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0))
        let second = requests(d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0))
        #expect(first.map(\.0) == ["a"] && second.map(\.0) == ["b"])
        #expect(requests(d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0)).isEmpty)
        let refused = answers(d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0))
        #expect(refused == [.error(.queueFull("s", 1))])
        // a's answer frees it: the queued call goes to a.
        let next = d.answer(.reply(rid: first[0].1, body: [7]), from: "a", now: 5)
        #expect(answers(next) == [.final([7])])
        #expect(requests(next).map(\.0) == ["a"])
    }

    @Test("a queued call past its deadline is dropped unstarted; a running one is cancelled; both answer 504")
    func deadlines() {
        var d = Dispatcher()
        _ = d.workerAdded("a", services: ["s"], capacity: 1, now: 0)
        let running = requests(
            d.call(
                "s", body: [], caller: caller, callerName: "c", options: CallOptions(timeoutMilliseconds: 100), now: 0, wall: 0))
        _ = d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(timeoutMilliseconds: 50), now: 0, wall: 0)
        #expect(d.nextDeadline == 50)
        let first = d.tick(now: 50)
        #expect(requests(first).isEmpty)
        #expect(answers(first) == [.error(.deadline("s", 50))])
        let second = d.tick(now: 100)
        #expect(second.contains(.cancel(instance: "a", rid: running[0].1)))
        #expect(answers(second) == [.error(.deadline("s", 100))])
        // A late reply to the cancelled call is ignored.
        #expect(d.answer(.reply(rid: running[0].1, body: []), from: "a", now: 120).isEmpty)
    }

    @Test("an instance that dies: idempotent calls move to another instance, others fail with 503")
    func instanceLost() {
        var d = Dispatcher()
        _ = d.workerAdded("a", services: ["s"], capacity: 2, now: 0)
        _ = d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(idempotent: true), now: 0, wall: 0)
        _ = d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0)
        _ = d.workerAdded("b", services: ["s"], capacity: 2, now: 1)
        let lost = d.workerRemoved("a", now: 2)
        #expect(answers(lost) == [.error(.instanceLost("s", "a"))])
        #expect(requests(lost).map(\.0) == ["b"])
    }

    @Test("a draining instance gets nothing new; an unknown service is 404")
    func drainingAndUnknown() {
        var d = Dispatcher()
        _ = d.workerAdded("a", services: ["s"], capacity: 1, now: 0)
        d.workerDraining("a")
        #expect(requests(d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0)).isEmpty)
        #expect(
            answers(d.call("t", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0))
                == [.error(.unknownService("t"))])
    }

    @Test("each answer goes back to its own caller token, with the instance that handled the call")
    func callerTokens() {
        var d = Dispatcher()
        _ = d.workerAdded("a", services: ["s"], capacity: 1, now: 0)
        _ = d.workerAdded("b", services: ["s"], capacity: 1, now: 0)
        let toA = requests(d.call("s", body: [], caller: "x", callerName: "c", options: CallOptions(), now: 0, wall: 0))
        let toB = requests(d.call("s", body: [], caller: "y", callerName: "c", options: CallOptions(), now: 0, wall: 0))
        #expect(d.answer(.partial(rid: toB[0].1, body: [1]), from: "b", now: 1) == [.answer("y", .partial([1]), from: "b")])
        #expect(d.answer(.reply(rid: toA[0].1, body: [2]), from: "a", now: 2).first == .answer("x", .final([2]), from: "a"))
        // An answer that no instance gave (a refusal) names none.
        #expect(
            d.call("t", body: [], caller: "z", callerName: "c", options: CallOptions(), now: 3, wall: 0)
                == [.answer("z", .error(.unknownService("t")), from: nil)])
    }

    @Test("abandon drops the calls of the callers it selects, queued or running, without answering them")
    func abandonSelected() {
        var d = Dispatcher()
        _ = d.workerAdded("a", services: ["s"], capacity: 1, now: 0)
        let running = requests(d.call("s", body: [], caller: "run#1", callerName: "c", options: CallOptions(), now: 0, wall: 0))
        _ = d.call("s", body: [], caller: "run#1", callerName: "c", options: CallOptions(), now: 0, wall: 0)
        _ = d.call("s", body: [], caller: "other", callerName: "c", options: CallOptions(), now: 0, wall: 0)
        let dropped = d.abandon(now: 1) { $0.hasPrefix("run#") }
        #expect(dropped.contains(.cancel(instance: "a", rid: running[0].1)))
        #expect(answers(dropped).isEmpty)
        // The freed instance takes the call that was not abandoned; nothing else is left.
        #expect(requests(dropped).map(\.0) == ["a"])
        #expect(d.calls.values.map(\.caller) == ["other"])
    }

    @Test("breaker: opens after the threshold, admits one trial after the cooldown, closes on success")
    func breaker() {
        var breaker = CircuitBreaker(threshold: 2, cooldownMilliseconds: 100)
        #expect(breaker.recordFailure(now: 0) == nil)
        #expect(breaker.recordFailure(now: 1) == .open)
        #expect(breaker.admit(now: 50).allowed == false)
        let trial = breaker.admit(now: 101)
        #expect(trial.allowed && trial.changed == .halfOpen)
        #expect(breaker.admit(now: 102).allowed == false)  // one trial at a time
        #expect(breaker.recordFailure(now: 103) == .open)
        #expect(breaker.admit(now: 204).allowed)
        #expect(breaker.recordSuccess() == .closed)
    }
}

@Suite("Service dispatcher: breaker accounting")
struct ServiceBreakerAccountingTests {
    @Test("4xx answers do not open the breaker; 5xx ones do")
    func fourHundredsAreAnswers() {
        var d = Dispatcher()
        d.declared["s"] = ServiceSettings(breakerFailures: 2)
        _ = d.workerAdded("a", services: ["s"], capacity: 1, now: 0)
        let caller = "client-1"
        func callAndFail(_ code: Int) -> [Dispatcher.Action] {
            let sent = d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0)
            guard case .request(_, let rid, _, _, _)? = sent.first else { return [] }
            return d.answer(.fail(rid: rid, error: ProtocolError(code: code, error: "e", message: "m")), from: "a", now: 1)
        }
        for _ in 0..<5 { _ = callAndFail(404) }
        #expect(d.snapshot.first?.breaker == "closed")
        _ = callAndFail(500)
        let opened = callAndFail(503)
        #expect(opened.contains { if case .breakerChanged(_, "open", _) = $0 { true } else { false } })
        #expect(d.snapshot.first?.errors == 7)
    }
}

@Suite("Service dispatcher: shutdown")
struct ServiceShutdownTests {
    @Test("failAll answers every queued and running call and cancels the running ones")
    func failAll() {
        var d = Dispatcher()
        _ = d.workerAdded("a", services: ["s"], capacity: 1, now: 0)
        let caller = "client-1"
        _ = d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0)
        _ = d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 0, wall: 0)
        let actions = d.failAll(ProtocolError(.unavailable, "bye"), now: 1)
        let answers = actions.filter { if case .answer = $0 { true } else { false } }
        #expect(answers.count == 2)
        #expect(actions.contains { if case .cancel(instance: "a", _) = $0 { true } else { false } })
        #expect(!actions.contains { if case .request = $0 { true } else { false } })  // nothing new goes out
        #expect(d.nextDeadline == nil)
        let late = d.call("s", body: [], caller: caller, callerName: "c", options: CallOptions(), now: 2, wall: 0)
        #expect(late == [.answer(caller, .error(ProtocolError(.unavailable, "the broker is shutting down")), from: nil)])
        // Failing calls on shutdown says nothing about the service's health.
        #expect(d.snapshot.first?.breaker == "closed")
    }
}
