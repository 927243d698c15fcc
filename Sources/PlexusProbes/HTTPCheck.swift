import Foundation

/// The `http` check: a hand-written HTTP/1.1 GET over a plain socket. The package has no HTTP client
/// library, and FoundationNetworking's `URLSession` links libcurl, which the CI machine may lack; a probe
/// needs only one request and its status line, over `http://` (no TLS).
enum HTTPCheck {
    /// The most of the answer read while looking for the status line.
    static let maxResponseBytes = 64 * 1024

    /// Where an `http://` URL points: host and port to connect to, the Host header, the request target.
    struct Target: Equatable {
        var host: String
        var port: Int
        var hostHeader: String
        var path: String
    }

    static func run(_ url: String, deadline: Int64, timeout: Int64) -> (Bool, String) {
        guard let target = parse(url) else { return (false, "not an http:// URL: \(url)") }
        let fd: Int32
        switch Socket.connect(host: target.host, port: target.port, deadline: deadline, timeout: timeout) {
        case .success(let connected): fd = connected
        case .failure(let problem): return (false, problem.message)
        }
        defer { close(fd) }
        let request =
            "GET \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUser-Agent: plexus-probe\r\nAccept: */*\r\n"
            + "Connection: close\r\n\r\n"
        if let problem = send(Array(request.utf8), to: fd, deadline: deadline, timeout: timeout) {
            return (false, problem.message)
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while response.count < maxResponseBytes {
            if let status = statusLine(response) { return verdict(status) }
            switch Socket.wait(fd, for: Int16(POLLIN), deadline: deadline) {
            case .ready: break
            case .timedOut: return (false, ProbeProblem.timedOut(timeout).message)
            case .failed(let code): return (false, ProbeProblem.errno(code).message)
            }
            let count = recv(fd, &chunk, min(chunk.count, maxResponseBytes - response.count), 0)
            if count > 0 {
                response.append(contentsOf: chunk[0..<count])
            } else if count == 0 {
                return statusLine(response).map(verdict) ?? (false, "connection closed before a status line")
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                return (false, ProbeProblem.errno(errno).message)
            }
        }
        return statusLine(response).map(verdict) ?? (false, "no status line in the first 64 KiB")
    }

    /// 2xx and 3xx pass; anything that is not an HTTP/1.x status line fails.
    private static func verdict(_ line: String) -> (Bool, String) {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]) else {
            return (false, "not an HTTP response: \(line.prefix(80))")
        }
        return ((200..<400).contains(code), "HTTP \(code)")
    }

    /// The first line, once it is complete (ends with a newline).
    static func statusLine(_ bytes: [UInt8]) -> String? {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var line = bytes[..<newline]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return String(decoding: line, as: UTF8.self)
    }

    private static func send(_ bytes: [UInt8], to fd: Int32, deadline: Int64, timeout: Int64) -> ProbeProblem? {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a peer that closed early must not raise SIGPIPE in the broker.
            let count = bytes[sent...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                sent += count
                continue
            }
            guard count < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return .errno(errno) }
            switch Socket.wait(fd, for: Int16(POLLOUT), deadline: deadline) {
            case .ready: continue
            case .timedOut: return .timedOut(timeout)
            case .failed(let code): return .errno(code)
            }
        }
        return nil
    }

    /// Splits `http://host[:port][/path][?query][#fragment]`; nil for anything else. User info
    /// (`user@`) is dropped, the fragment is not sent, IPv6 hosts are in brackets (`http://[::1]:8080/`).
    static func parse(_ url: String) -> Target? {
        guard url.lowercased().hasPrefix("http://") else { return nil }
        var rest = Substring(url.dropFirst("http://".count))
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let end = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<end]
        var path = String(rest[end...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        var port = 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let number = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = number
        } else {
            host = authority
        }
        guard !host.isEmpty, (1...65535).contains(port), !path.contains(where: { $0 == " " || $0.isNewline }) else { return nil }
        return Target(host: String(host), port: port, hostHeader: String(authority), path: path)
    }
}
