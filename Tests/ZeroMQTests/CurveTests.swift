import Foundation
import Synchronization
import Testing

@testable import ZeroMQ

/// CURVE with a ZAP handler, over real TCP sockets: who is admitted, under which User-Id, and what a
/// refused client can observe (only its monitor's handshake event).
@Suite("CurveZMQ and ZAP")
struct CurveTests {
    @Test("key pairs: generated keys are Z85, the public key derives from the secret, Z85 round-trips")
    func keys() throws {
        let pair = try CurveKeyPair.generate()
        #expect(CurveKeyPair.isKey(pair.publicKey) && CurveKeyPair.isKey(pair.secretKey))
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(throws: ZMQError.self) { try CurveKeyPair(secretKey: "short") }
        #expect(!CurveKeyPair.isKey(String(repeating: "~", count: 40)))
        let bytes = try #require(Z85.decode(pair.publicKey))
        #expect(bytes.count == 32 && Z85.encode(bytes) == pair.publicKey)
        #expect(Z85.decode("abc") == nil && Z85.encode([1, 2, 3]) == nil)
    }

    @Test("ZAP admits a known key as its User-Id and refuses others; a refused client sees a handshake failure")
    func zapDecides() throws {
        let context = try ZMQContext()
        let server = try CurveKeyPair.generate()
        let alice = try CurveKeyPair.generate()
        let mallory = try CurveKeyPair.generate()
        let handler = try ZAPTestHandler(context: context, users: [alice.publicKey: "alice"])
        defer { handler.stop() }

        let router = try context.socket(.router)
        try router.setCurveServer(secretKey: server.secretKey)
        try router.setZAPDomain("plexus")
        try router.setZAPEnforceDomain(true)
        try router.setReceiveTimeout(milliseconds: 5_000)
        let endpoint = try router.bind("tcp://127.0.0.1:*")

        let good = try context.socket(.dealer)
        try good.setCurveClient(serverKey: server.publicKey, keys: alice)
        try good.connect(endpoint)
        _ = try good.send([UInt8]("hello".utf8))
        let message = Message()
        #expect(try router.receive(into: message))  // the routing id
        #expect(message.property("User-Id") == "alice")
        try router.receive(into: message)
        #expect(message.bytes == Array("hello".utf8) && message.property("User-Id") == "alice")

        let bad = try context.socket(.dealer)
        let monitor = try SocketMonitor(bad, context: context)
        try bad.setCurveClient(serverKey: server.publicKey, keys: mallory)
        try bad.connect(endpoint)
        _ = try bad.send([UInt8]("let me in".utf8), dontWait: true)
        var failure: SocketMonitor.Event?
        for _ in 0..<50 where failure == nil {
            if let event = try monitor.next(timeoutMilliseconds: 100), event.isHandshakeFailure { failure = event }
        }
        #expect(failure?.event == SocketMonitor.Event.handshakeFailedAuth && failure?.value == 400)
        #expect(handler.refused.withLock { $0 } >= 1)
        // Nothing of mallory's reached the server.
        try router.setReceiveTimeout(milliseconds: 200)
        #expect(try router.receiveMultipart() == nil)
        monitor.close()
    }

    @Test("a CURVE server with ZAP enforced refuses every client while no handler is bound (fail-closed)")
    func failClosedWithoutHandler() throws {
        let context = try ZMQContext()
        let server = try CurveKeyPair.generate()
        let router = try context.socket(.router)
        try router.setCurveServer(secretKey: server.secretKey)
        try router.setZAPDomain("plexus")
        try router.setZAPEnforceDomain(true)
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        let client = try context.socket(.dealer)
        let monitor = try SocketMonitor(client, context: context)
        try client.setCurveClient(serverKey: server.publicKey, keys: try CurveKeyPair.generate())
        try client.connect(endpoint)
        var failed = false
        for _ in 0..<50 where !failed {
            if let event = try monitor.next(timeoutMilliseconds: 100) {
                #expect(event.event != SocketMonitor.Event.handshakeSucceeded)
                failed = event.isHandshakeFailure
            }
        }
        #expect(failed)
        monitor.close()
    }
}

/// A ZAP handler on its own thread: admits the keys in `users` under their names, refuses the rest.
private final class ZAPTestHandler: Sendable {
    let refused = Mutex(0)
    private let socket: Socket
    private let done = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    init(context: ZMQContext, users: [String: String]) throws {
        socket = try context.socket(.rep)
        try socket.bind(ZAPRequest.endpoint)
        try socket.setReceiveTimeout(milliseconds: 50)
        let thread = Thread { [self] in
            // Bounded: at most 10 s of 50 ms waits, or until stop().
            for _ in 0..<200 where !done.withLock({ $0 }) {
                guard let frames = try? socket.receiveMultipart(), let request = ZAPRequest(frames: frames) else { continue }
                if let key = request.clientKey, let user = users[key] {
                    _ = try? socket.send(multipart: request.reply(status: 200, statusText: "OK", userID: user))
                } else {
                    refused.withLock { $0 += 1 }
                    _ = try? socket.send(multipart: request.reply(status: 400, statusText: "unknown key"))
                }
            }
            socket.close()
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        done.withLock { $0 = true }
        finished.wait()
    }
}
