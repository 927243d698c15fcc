import Foundation
import Testing

@testable import PlexusTasks

/// The scheduler's cost per task must not grow with the number of tasks: a broker holding tens of
/// thousands of tasks adds, fires and finds its next wakeup as fast as one holding a few.
@Suite struct ScaleTests {
    /// Adds `count` tasks starting at number `first`, reading `nextWakeup` after each add as the
    /// broker's loop does; returns the seconds it took.
    static func addTasks(_ s: inout TaskScheduler, from first: Int, count: Int) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for n in first..<(first + count) {
            try s.add(def(String(format: "t%06d", n), schedule: .every(Double(10 + n % 50))), now: t0)
            _ = s.nextWakeup
        }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test("2,000 adds take about as long with 20,000 tasks held as with none")
    func addsStayFlat() throws {
        var s = TaskScheduler()
        // Warm up allocators and caches, then measure an empty-ish scheduler against a full one.
        _ = try Self.addTasks(&s, from: 0, count: 200)
        let early = try Self.addTasks(&s, from: 200, count: 2_000)
        _ = try Self.addTasks(&s, from: 2_200, count: 18_000)
        let late = try Self.addTasks(&s, from: 20_200, count: 2_000)
        // Generous: a scan per add (the old cost) made this ten times slower; noise stays within 3.
        #expect(late < early * 3, "first 2,000 adds: \(early) s; 2,000 adds at 20,000 tasks: \(late) s")
        #expect(s.tasks.count == 22_200)
    }

    @Test("the wakeup queue holds at most about twice the live entries, and finds the due ones")
    func wakeupQueueStaysSmall() throws {
        var s = TaskScheduler()
        for n in 0..<1_000 { try s.add(def("t\(n)", schedule: .every(Double(10 + n % 7))), now: t0) }
        #expect(s.wakeups.count == 1_000)
        // Every tick moves each due task's wakeup: entries are replaced, never piled up.
        for second in stride(from: 10.0, through: 300, by: 1) {
            for id in s.dueTasks(at: at(second)) {
                for run in s.tick(id, now: at(second)).started {
                    _ = try s.runFinished(run.runID, results: ["w": .success], now: at(second))
                }
            }
            #expect(s.wakeups.storedEntries <= 2 * s.wakeups.count + 64)
        }
        #expect(s.tasks.values.allSatisfy { $0.runtime.runCount > 0 })
        #expect(s.dueTasks(at: at(300)).isEmpty)
        #expect(s.nextWakeup == s.tasks.values.compactMap(\.nextWakeup).min())
        // Removing tasks takes their entries away.
        for n in 0..<1_000 { _ = try s.remove("t\(n)", now: at(301)) }
        #expect(s.nextWakeup == nil && s.wakeups.count == 0 && s.wakeups.storedEntries <= 64)
    }

    @Test("due tasks come back in id order, and only those due")
    func dueOrder() throws {
        var s = TaskScheduler()
        for (id, after) in [("c", 5.0), ("a", 5.0), ("b", 50.0), ("d", 1.0)] {
            try s.add(def(id, schedule: .after(after)), now: t0)
        }
        #expect(s.dueTasks(at: at(4)) == ["d"])
        #expect(s.dueTasks(at: at(5)) == ["a", "c", "d"])
        #expect(s.nextWakeup == at(1))
    }
}
