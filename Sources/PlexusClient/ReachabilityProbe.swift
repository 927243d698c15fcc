import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether anything accepts TCP connections at an endpoint, answered within a deadline.
///
/// ZeroMQ connects in the background and never says that nothing listens: a client would wait its whole
/// timeout and then blame the protocol. One plain TCP connect before the first request tells at once.
/// Hand-written because Foundation has no TCP client on Linux and a networking library would be a large
/// dependency for one `connect` (docs/ARCHITECTURE.md).
public enum ReachabilityProbe {
    /// Nil when something accepted a connection to `tcp://host:port`; otherwise why not (`connection
    /// refused`, `no answer within 1 s`, `cannot resolve host 'x'`). Other transports are not probed.
    public static func problem(reaching endpoint: String, timeout: Double = 1) -> String? {
        guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":") else { return nil }
        var host = String(endpoint[endpoint.index(endpoint.startIndex, offsetBy: 6)..<colon])
        let port = String(endpoint[endpoint.index(after: colon)...])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host != "*", Int(port) != nil else { return nil }

        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &found) == 0, let first = found else {
            return "cannot resolve host '\(host)'"
        }
        defer { freeaddrinfo(first) }
        var problem = "no address for '\(host)'"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        // Each address once, in the resolver's order; the loop is bounded by the resolver's list.
        while let address = candidate {
            candidate = address.pointee.ai_next
            switch connect(address.pointee, timeout: timeout) {
            case nil: return nil
            case let failure?: problem = failure
            }
        }
        return problem
    }

    /// One non-blocking connect, waited for with `poll`.
    private static func connect(_ address: addrinfo, timeout: Double) -> String? {
        let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return nil }
        guard errno == EINPROGRESS else { return describe(errno) }
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(max(1, min(timeout, 60) * 1000))
        guard poll(&descriptor, 1, milliseconds) == 1 else {
            return "no answer within \(timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)) s"
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0 ? nil : describe(error)
    }

    private static func describe(_ code: Int32) -> String {
        code == ECONNREFUSED ? "connection refused" : String(cString: strerror(code)).lowercased()
    }
}
