import Synchronization

/// The open event streams, so that a graceful shutdown can end them (an SSE response never ends on its own).
final class StreamRegistry: Sendable {
    /// One open stream's stop flag, polled by its producer.
    final class Handle: Sendable {
        private let stopped = Atomic<Bool>(false)
        var isStopped: Bool { stopped.load(ordering: .acquiring) }
        func stop() { stopped.store(true, ordering: .releasing) }
    }

    private struct State {
        var next = 0
        var open: [Int: Handle] = [:]
        var closing = false
    }

    private let state = Mutex(State())

    /// Registers a stream; nil once the server is closing.
    func open() -> (id: Int, handle: Handle)? {
        state.withLock { state in
            guard !state.closing else { return nil }
            state.next += 1
            let handle = Handle()
            state.open[state.next] = handle
            return (state.next, handle)
        }
    }

    func close(_ id: Int) {
        _ = state.withLock { $0.open.removeValue(forKey: id) }?.stop()
    }

    /// How many streams are open.
    var count: Int { state.withLock { $0.open.count } }

    /// Stops every stream and refuses new ones.
    func closeAll() {
        let handles = state.withLock { state in
            state.closing = true
            defer { state.open.removeAll() }
            return Array(state.open.values)
        }
        for handle in handles { handle.stop() }
    }
}
