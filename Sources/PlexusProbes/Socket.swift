import Foundation

/// TCP connects with a deadline, over plain sockets: the `tcp` check needs only a connect, and the
/// package has no socket library for that besides ZeroMQ, which cannot make a plain TCP connection.
enum Socket {
    #if os(Linux)
        private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
        private static let streamType = SOCK_STREAM
    #endif

    /// Connects to host:port before `deadline` (monotonic ms), trying each address the name resolves to;
    /// returns a non-blocking, close-on-exec socket. Name resolution (`getaddrinfo`) is not bounded by the
    /// deadline: probe hosts are addresses or names from /etc/hosts.
    static func connect(host: String, port: Int, deadline: Int64, timeout: Int64) -> Result<Int32, ProbeProblem> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamType
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            return .failure(ProbeProblem(message: "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))"))
        }
        defer { freeaddrinfo(first) }
        var problem = ProbeProblem(message: "cannot resolve \(host)")
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let entry = address {
            address = entry.pointee.ai_next
            switch attempt(entry.pointee, deadline: deadline, timeout: timeout) {
            case .success(let fd): return .success(fd)
            case .failure(let failed): problem = failed
            }
            if Clock.now() >= deadline { break }
        }
        return .failure(problem)
    }

    private static func attempt(_ entry: addrinfo, deadline: Int64, timeout: Int64) -> Result<Int32, ProbeProblem> {
        let fd = socket(entry.ai_family, streamType, 0)
        guard fd >= 0 else { return .failure(.errno(errno)) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if Foundation.connect(fd, entry.ai_addr, entry.ai_addrlen) == 0 { return .success(fd) }
        guard errno == EINPROGRESS || errno == EINTR else {
            let code = errno
            close(fd)
            return .failure(.errno(code))
        }
        switch wait(fd, for: Int16(POLLOUT), deadline: deadline) {
        case .ready:
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { return .success(fd) }
            close(fd)
            return .failure(.errno(error))
        case .timedOut:
            close(fd)
            return .failure(.timedOut(timeout))
        case .failed(let code):
            close(fd)
            return .failure(.errno(code))
        }
    }

    enum Wait { case ready, timedOut, failed(Int32) }

    /// Polls one descriptor for `events` until `deadline` (monotonic ms), retrying on EINTR.
    static func wait(_ fd: Int32, for events: Int16, deadline: Int64) -> Wait {
        while true {
            let remaining = deadline - Clock.now()
            guard remaining > 0 else { return .timedOut }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: remaining))
            if ready > 0 { return .ready }
            if ready < 0 && errno != EINTR { return .failed(errno) }
        }
    }
}
