import CZeroMQ

/// Waits on several sockets at once (`zmq_poll`).
///
/// ```swift
/// var poller = Poller()
/// let control = poller.add(router)
/// let events = poller.add(sub)
/// if try poller.poll(timeoutMilliseconds: 1000) > 0, poller.isReadable(control) { ... }
/// ```
public struct Poller {
    private var items: [zmq_pollitem_t] = []
    // Keeps the sockets alive while their raw handles sit in `items`.
    private var sockets: [Socket] = []

    public init() {}

    /// Adds a socket to wait for input on; returns its index for `isReadable`.
    @discardableResult
    public mutating func add(_ socket: Socket, readable: Bool = true, writable: Bool = false) -> Int {
        var events: Int16 = 0
        if readable { events |= Int16(ZMQ_POLLIN) }
        if writable { events |= Int16(ZMQ_POLLOUT) }
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: events, revents: 0))
        sockets.append(socket)
        return items.count - 1
    }

    /// Waits until a socket is ready or the timeout (ms; -1 forever) passes; returns how many are ready.
    /// An interrupted wait (`EINTR`) returns 0.
    @discardableResult
    public mutating func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        let count = items.count
        let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32(count), timeoutMilliseconds) }
        if rc == -1 {
            let error = ZMQError.last("poll")
            if error.code == EINTR { return 0 }
            throw error
        }
        return Int(rc)
    }

    /// Whether the socket at `index` had input after the last `poll`.
    public func isReadable(_ index: Int) -> Bool {
        items[index].revents & Int16(ZMQ_POLLIN) != 0
    }

    /// Whether the socket at `index` could be written after the last `poll`.
    public func isWritable(_ index: Int) -> Bool {
        items[index].revents & Int16(ZMQ_POLLOUT) != 0
    }
}
