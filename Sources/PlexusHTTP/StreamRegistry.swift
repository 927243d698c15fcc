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

    /// The most streams open at once (each holds a thread or a poll loop and a socket).
    let maxStreams: Int

    init(maxStreams: Int = 64) {
        self.maxStreams = maxStreams
    }

    /// Registers a stream: 503 once the server is closing, 429 past `maxStreams`.
    func open() throws(Problem) -> (id: Int, handle: Handle) {
        let opened: (Int, Handle)?? = state.withLock { state in
            guard !state.closing else { return .some(nil) }
            guard state.open.count < maxStreams else { return nil }
            state.next += 1
            let handle = Handle()
            state.open[state.next] = handle
            return (state.next, handle)
        }
        switch opened {
        case .some(.some(let stream)): return stream
        case .some(.none): throw Problem(status: 503, error: "unavailable", detail: "the HTTP API is shutting down")
        case .none:
            throw Problem(status: 429, error: "too_many_streams", detail: "\(maxStreams) streams are open, the most at once")
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
