import Foundation
import Synchronization

/// A listening TCP socket on 127.0.0.1 with a kernel-chosen port; nothing accepts unless a server does.
final class Listener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init(listen: Bool = true) throws {
        #if os(Linux)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, !listen || Foundation.listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// A port nothing listens on: bound, then closed.
    static func closedPort() throws -> Int {
        let listener = try Listener(listen: false)
        listener.close()
        return listener.port
    }

    func close() { _ = Foundation.close(fd) }
}

/// A tiny HTTP server on its own thread: answers every request with `status` and records the requests.
final class TinyHTTPServer: @unchecked Sendable {
    let listener: Listener
    var port: Int { listener.port }
    private let status: Mutex<String>
    private let stopping = Atomic<Bool>(false)
    private let requestsSeen = Mutex<[String]>([])
    private let finished = DispatchSemaphore(value: 0)

    var requests: [String] { requestsSeen.withLock { $0 } }

    init(status: String) throws {
        listener = try Listener()
        self.status = Mutex(status)
        Thread { self.serve() }.start()
    }

    func answer(_ status: String) { self.status.withLock { $0 = status } }

    func stop() {
        stopping.store(true, ordering: .releasing)
        _ = finished.wait(timeout: .now() + 5)
        listener.close()
    }

    private func serve() {
        defer { finished.signal() }
        while !stopping.load(ordering: .acquiring) {
            var entry = pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) > 0 else { continue }
            let client = accept(listener.fd, nil, nil)
            guard client >= 0 else { continue }
            var request: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline, !request.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
                var pending = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
                guard poll(&pending, 1, 100) > 0 else { continue }
                let count = read(client, &chunk, chunk.count)
                if count <= 0 { break }
                request.append(contentsOf: chunk[0..<count])
            }
            requestsSeen.withLock { $0.append(String(decoding: request, as: UTF8.self)) }
            let body = "ok\n"
            let response =
                "HTTP/1.1 \(status.withLock { $0 })\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Array(response.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            Foundation.close(client)
        }
    }
}
