import Foundation
import PlexusEventLog
import PlexusProtocol
import Synchronization

/// Answers `REPLAY` and `EVENTS LAST` from the event log on a thread of its own, so that reading the
/// disk never holds up the event path; the answers go back to the loop, which owns the control socket.
final class ReplayWorker: @unchecked Sendable {
    /// A request waiting for the worker.
    enum Job: Sendable {
        case replay(ReplayRequest, envelope: ControlEnvelope, requestID: [UInt8])
        case last(topic: String, envelope: ControlEnvelope, requestID: [UInt8])
    }

    /// Requests queued at most; past it `REPLAY` answers 503 at once, so that memory stays bounded.
    static let maxQueued = 1_024

    private let log: EventLog
    private let epoch: String
    private let answer: @Sendable (ControlEnvelope, [[UInt8]]) -> Void
    private let queue = Mutex<(jobs: [Job], stopped: Bool)>(([], false))
    private let signal = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    /// `answer` is called on the worker's thread with the frames for a peer.
    init(log: EventLog, epoch: String, answer: @escaping @Sendable (ControlEnvelope, [[UInt8]]) -> Void) {
        self.log = log
        self.epoch = epoch
        self.answer = answer
        let thread = Thread { [self] in run() }
        thread.name = "plexus-replay"
        thread.start()
    }

    /// Queues a job; false when the queue is full.
    func submit(_ job: Job) -> Bool {
        let accepted = queue.withLock { state in
            guard !state.stopped, state.jobs.count < Self.maxQueued else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { signal.signal() }
        return accepted
    }

    /// Stops the thread after the job in hand; waits for it.
    func stop() {
        queue.withLock { $0.stopped = true }
        signal.signal()
        done.wait()
    }

    private func run() {
        while true {
            signal.wait()
            let (jobs, stopped) = queue.withLock { state in
                defer { state.jobs.removeAll() }
                return (state.jobs, state.stopped)
            }
            if stopped { break }
            for job in jobs {
                switch job {
                case .replay(let request, let envelope, let requestID):
                    answer(envelope, Self.reply(to: request, from: log, epoch: epoch, requestID: requestID).encode())
                case .last(let topic, let envelope, let requestID):
                    let reply: ClientReply
                    if let event = log.lastEvent(topic: topic) {
                        reply = .ok(requestID: requestID, body: [Array(event.topic.utf8), event.payload, event.meta])
                    } else {
                        reply = .error(requestID: requestID, ProtocolError(.notFound, "the log holds no event on '\(topic)'"))
                    }
                    answer(envelope, reply.encode())
                }
            }
        }
        done.signal()
    }

    /// One batch of stored events for `request` (docs/PROTOCOL.md section 10).
    static func reply(to request: ReplayRequest, from log: EventLog, epoch: String, requestID: [UInt8]) -> ClientReply {
        let pattern: TopicPattern
        do throws(ProtocolError) {
            pattern = try TopicPattern(request.pattern)
        } catch {
            return .error(requestID: requestID, error)
        }
        let info = log.info
        let first = max(info.firstSeq, 1)
        var from: UInt64
        if let fromSeq = request.fromSeq {
            from = max(fromSeq, 1)
            if info.firstSeq > 0, from < info.firstSeq {
                return .error(
                    requestID: requestID,
                    ProtocolError(
                        .truncated,
                        "events before seq \(info.firstSeq) are no longer in the log (retention); ask from first_seq",
                        details: .object(["first_seq": .number(Double(info.firstSeq)), "last_seq": .number(Double(info.lastSeq))])
                    ))
            }
        } else if let fromTime = request.fromTime {
            from = log.firstSeq(atOrAfter: fromTime) ?? (info.lastSeq &+ 1)
        } else if let last = request.last {
            from = log.seqOfLast(last, matches: pattern.matches) ?? first
        } else {
            from = first
        }
        var to = request.toSeq
        if let toTime = request.toTime {
            let bound = (log.firstSeq(atOrAfter: toTime &+ 1) ?? (info.lastSeq &+ 1)) &- 1
            to = min(to ?? bound, bound)
        }
        if let end = to, end < from {
            let batch = ReplayBatch(
                count: 0, scannedTo: end, done: true, firstSeq: info.firstSeq, lastSeq: info.lastSeq, epoch: epoch)
            return .ok(requestID: requestID, body: ReplayAnswer(batch: batch, events: []).body)
        }
        let read = log.read(
            from: from, to: to, maxEvents: request.maxEvents, maxBytes: request.maxBytes, matches: pattern.matches)
        let events = read.events.map { EventFrames(topic: Array($0.topic.utf8), payload: $0.payload, meta: $0.meta) }
        let batch = ReplayBatch(
            count: events.count, scannedTo: max(read.scannedTo, from &- 1), done: read.reachedEnd, firstSeq: info.firstSeq,
            lastSeq: max(info.lastSeq, read.scannedTo), epoch: epoch,
            gaps: read.gaps.map { SeqGap(first: $0.first, last: $0.last, reason: $0.reason) })
        return .ok(requestID: requestID, body: ReplayAnswer(batch: batch, events: events).body)
    }
}
