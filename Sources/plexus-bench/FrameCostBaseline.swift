import Foundation
import PlexusTesting
import ZeroMQ

/// A minimal SUB→XPUB forwarder written with our wrapper, optionally adding a constant third frame.
///
/// It explains the broker's ratio to `zmq_proxy`: with two frames it shows what our wrapper and poll
/// loop cost; with a constant third frame of META's size it shows what the extra frame alone costs in
/// libzmq (per-frame work in three threads), so that the distance between it and the broker is what
/// stamping, validation and counting cost.
final class FrameCostBaseline: @unchecked Sendable {
    let inbound: String
    let outbound: String
    private let thread: JoinableThread
    private let context: ZMQContext
    private let stopFlag: ManagedAtomicFlag

    init(extraFrame: Bool) throws {
        let context = try ZMQContext(ioThreads: 1)
        let sub = try context.socket(.sub)
        try sub.setReceiveHighWaterMark(0)
        try sub.subscribe([])
        inbound = try sub.bind("tcp://127.0.0.1:*")
        let xpub = try context.socket(.xpub)
        try xpub.setSendHighWaterMark(0)
        outbound = try xpub.bind("tcp://127.0.0.1:*")
        let meta = Array(#"{"seq":123456,"time":1795270233538528,"source":"anonymous"}"#.utf8)
        self.context = context
        let stopFlag = ManagedAtomicFlag()
        self.stopFlag = stopFlag
        thread = JoinableThread {
            var poller = Poller()
            let inboundIndex = poller.add(sub)
            let outboundIndex = poller.add(xpub)
            let topic = Message(), payload = Message()
            while !stopFlag.isSet {
                _ = try? poller.poll(timeoutMilliseconds: 100)
                if poller.isReadable(outboundIndex) { while (try? xpub.receiveMultipart(dontWait: true)) != nil {} }
                guard poller.isReadable(inboundIndex) else { continue }
                for _ in 0..<512 {
                    guard (try? sub.receive(into: topic, dontWait: true)) == true else { break }
                    _ = try? sub.receive(into: payload)
                    _ = try? xpub.send(topic, more: true)
                    _ = try? xpub.send(payload, more: extraFrame)
                    if extraFrame { _ = try? meta.withUnsafeBytes { try xpub.send($0) } }
                }
            }
            sub.close()
            xpub.close()
        }
    }

    func stop() {
        stopFlag.set()
        thread.joinOrExit("the frame-cost forwarder")
    }
}
