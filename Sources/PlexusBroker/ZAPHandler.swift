import CSpawn
import Foundation
import Synchronization
import ZeroMQ

/// The broker's ZAP handler (ZeroMQ RFC 27): a thread with a REP on `ZAPRequest.endpoint` in the
/// broker's context, asked by libzmq once per connection to a CURVE server socket. It admits a key
/// from the `CurveKeyTable` with `User-Id` = the peer's topology name (and the instance and key as
/// metadata), and refuses every other key with 400. Refusals go to `denied` (the loop counts, logs and
/// audits them).
///
/// It must be bound before the CURVE sockets accept connections; with `ZMQ_ZAP_ENFORCE_DOMAIN` set on
/// them a connection made while it is not answering is refused, never admitted (fail-closed).
final class ZAPHandler: Sendable {
    /// The ZAP domain the broker's CURVE sockets set.
    static let domain = "plexus"
    /// Metadata property with the supervised instance id the key was issued for.
    static let instanceProperty = "X-Plexus-Instance"
    /// Metadata property with the peer's public key (Z85), for the audit log.
    static let keyProperty = "X-Plexus-Key"

    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Binds the handler's REP at once (so that a bind error surfaces in the broker's init) and starts
    /// its thread.
    init(
        context: ZMQContext, keys: CurveKeyTable,
        denied: @escaping @Sendable (_ key: String?, _ address: String, _ reason: String) -> Void
    ) throws(ZMQError) {
        let socket = try context.socket(.rep)
        try socket.setLinger(milliseconds: 0)
        _ = try socket.bind(ZAPRequest.endpoint)
        try socket.setReceiveTimeout(milliseconds: 200)
        // The socket is handed to the thread and used only there from now on.
        let thread = Thread {
            plexus_set_thread_name("plexus-zap")
            // The thread holds the handler until `stop()`.
            self.serve(socket, keys: keys, denied: denied)
            socket.close()
            self.finished.signal()
        }
        thread.start()
    }

    /// Stops the thread (within its 200 ms receive timeout) and waits for it.
    func stop() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = finished.wait(timeout: .now() + 2)
    }

    private func serve(_ socket: Socket, keys: CurveKeyTable, denied: @Sendable (String?, String, String) -> Void) {
        while !stopRequested.load(ordering: .acquiring) {
            let frames: [[UInt8]]
            do {
                guard let received = try socket.receiveMultipart(maxFrames: 16) else { continue }
                frames = received
            } catch {
                if stopRequested.load(ordering: .acquiring) { return }
                continue
            }
            let reply: [[UInt8]]
            if let request = ZAPRequest(frames: frames) {
                reply = Self.answer(request, keys: keys, denied: denied)
            } else {
                // Not a ZAP 1.0 request: REP must still answer, with a reply libzmq reads as a refusal.
                denied(nil, "", "malformed ZAP request")
                reply = [
                    Array("1.0".utf8), frames.count > 1 ? frames[1] : [], Array("500".utf8), Array("malformed".utf8), [], [],
                ]
            }
            _ = try? socket.send(multipart: reply)
        }
    }

    private static func answer(
        _ request: ZAPRequest, keys: CurveKeyTable, denied: @Sendable (String?, String, String) -> Void
    ) -> [[UInt8]] {
        guard request.domain == domain, request.mechanism == "CURVE", let key = request.clientKey else {
            denied(request.clientKey, request.address, "mechanism \(request.mechanism) in domain '\(request.domain)'")
            return request.reply(status: 400, statusText: "CURVE required")
        }
        guard let peer = keys.peer(for: key) else {
            denied(key, request.address, "unknown key")
            return request.reply(status: 400, statusText: "unknown key")
        }
        var metadata = [(keyProperty, key)]
        if let instance = peer.instance { metadata.append((instanceProperty, instance)) }
        return request.reply(status: 200, statusText: "OK", userID: peer.name, metadata: metadata)
    }
}
