import Foundation

/// Every live task's next wakeup, ordered by time, so that a change to one task costs O(log n)
/// and the earliest wakeup is read in O(1), whatever the number of tasks.
///
/// A binary min-heap with lazy deletion: changing a task's wakeup pushes a new entry and leaves the
/// old one behind, marked stale by its stamp. The top is kept valid after every change (stale
/// entries that reach it are popped), and the heap is rebuilt when stale entries outnumber the live
/// ones, so that its size stays within twice the number of tasks.
struct WakeupQueue: Sendable {
    private struct Entry: Sendable {
        var date: Date
        var id: String
        var stamp: UInt64
    }

    /// Each task's current wakeup and the stamp of its heap entry.
    private var current: [String: (date: Date, stamp: UInt64)] = [:]
    private var heap: [Entry] = []
    private var nextStamp: UInt64 = 0

    init() {}

    /// The current wakeup of a task, if it has one.
    subscript(id: String) -> Date? { current[id]?.date }

    /// Live entries (tasks with a wakeup).
    var count: Int { current.count }

    /// Entries in the heap, stale ones included (for tests: it stays within about twice `count`).
    var storedEntries: Int { heap.count }

    /// The earliest wakeup of any task.
    var earliest: Date? { heap.first?.date }

    /// Sets (or with nil, clears) a task's wakeup.
    mutating func set(_ id: String, _ date: Date?) {
        guard current[id]?.date != date else { return }
        if let date {
            nextStamp &+= 1
            current[id] = (date, nextStamp)
            push(Entry(date: date, id: id, stamp: nextStamp))
        } else {
            current[id] = nil
        }
        dropStaleTop()
        if heap.count > 2 * current.count + 64 { rebuild() }
    }

    /// The ids of the tasks whose wakeup is at or before `now`, in no particular order. Visits only
    /// the part of the heap at or before `now` (a node's children are never earlier than it).
    func due(at now: Date) -> [String] {
        var due: [String] = []
        var stack: [Int] = heap.isEmpty ? [] : [0]
        while let index = stack.popLast() {
            let entry = heap[index]
            guard entry.date <= now else { continue }
            if isLive(entry) { due.append(entry.id) }
            let left = 2 * index + 1
            if left < heap.count { stack.append(left) }
            if left + 1 < heap.count { stack.append(left + 1) }
        }
        return due
    }

    private func isLive(_ entry: Entry) -> Bool { current[entry.id]?.stamp == entry.stamp }

    private mutating func dropStaleTop() {
        while let top = heap.first, !isLive(top) { popTop() }
    }

    /// A heap of the live entries only.
    private mutating func rebuild() {
        heap = current.map { Entry(date: $0.value.date, id: $0.key, stamp: $0.value.stamp) }
        var index = heap.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].date < heap[parent].date else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1].date < heap[left].date { smallest = left + 1 }
            guard heap[smallest].date < heap[parent].date else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
