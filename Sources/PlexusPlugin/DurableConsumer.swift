import PlexusClient
import PlexusProtocol

/// One durable subscription's consumer as a value: what to ask the broker and when to call the handler.
/// `DurableRunner` carries out its actions with a `ControlClient` and a SUB used as a doorbell.
///
/// It opens the cursor, replays from `acked + 1` in seq order, hands each event to the handler, retries a
/// throwing handler with backoff (doubling), dead-letters it after `maxAttempts`, acknowledges after each
/// batch, and when a replay is `done` waits for the doorbell (a live event or heartbeat) to ask again.
/// Correctness never depends on the live path: the doorbell only says when to look.
struct DurableConsumer: Sendable {
    enum Action: Sendable, Equatable {
        case open(DurableOpen)
        case replay(ReplayRequest, afterMilliseconds: Int64)
        /// Call the handler (attempt counts from 1) after the backoff.
        case handle(ReceivedEvent, attempt: Int, afterMilliseconds: Int64)
        case dead(DurableDeadLetter, payload: [UInt8])
        case ack(UInt64)
        /// Wait for a live event or heartbeat, then call `doorbell()`.
        case waitForDoorbell
        case log(String)
    }

    /// Between two asks after the broker refused or did not answer.
    static let retryMilliseconds: Int64 = 1_000

    let subscription: DurableSubscription
    private(set) var acked: UInt64 = 0
    private var batch: [ReceivedEvent] = []
    private var next = 0
    private var attempts = 0
    private var scannedTo: UInt64 = 0
    private var done = false

    init(_ subscription: DurableSubscription) {
        self.subscription = subscription
    }

    func start() -> Action {
        .open(DurableOpen(name: subscription.name, pattern: subscription.pattern, start: subscription.start))
    }

    mutating func opened(_ cursor: DurableCursor) -> Action {
        acked = cursor.acked
        return replayAfterAcked(delay: 0)
    }

    /// `OPEN`, `ACK` or `DEAD` failed: start again from the cursor after a while.
    mutating func commandFailed(_ reason: String) -> [Action] {
        batch = []
        next = 0
        return [.log("durable \(subscription.name): \(reason); retrying"), retryOpen()]
    }

    private func retryOpen() -> Action { start() }

    mutating func answered(_ answer: ReplayAnswer) -> Action {
        batch = answer.events.compactMap { ReceivedEvent($0) }.filter { $0.meta.seq > acked }
        next = 0
        attempts = 0
        scannedTo = answer.batch.scannedTo
        done = answer.batch.done
        return step()
    }

    /// A refused replay: 410 goes on from the oldest stored (the rest was removed by retention).
    mutating func replayFailed(_ error: ProtocolError?, reason: String) -> [Action] {
        if let error, error.knownCode == .truncated, let oldest = error.details?["first_seq"]?.intValue, oldest > 0 {
            let request = ReplayRequest(pattern: subscription.pattern, fromSeq: UInt64(oldest))
            return [
                .log("durable \(subscription.name): seqs \(acked + 1)–\(oldest - 1) were removed by retention"),
                .replay(request, afterMilliseconds: 0),
            ]
        }
        return [.log("durable \(subscription.name): replay failed: \(reason)"), replayAfterAcked(delay: Self.retryMilliseconds)]
    }

    mutating func handlerSucceeded() -> Action {
        next += 1
        attempts = 0
        return step()
    }

    mutating func handlerFailed(_ error: String) -> Action {
        attempts += 1
        let event = batch[next]
        guard attempts >= subscription.maxAttempts else {
            let delay = subscription.backoffMilliseconds << Int64(min(attempts - 1, 20))
            return .handle(event, attempt: attempts + 1, afterMilliseconds: delay)
        }
        let letter = DurableDeadLetter(
            name: subscription.name, seq: event.meta.seq, topic: event.topic, error: String(error.prefix(4096)),
            attempts: attempts)
        return .dead(letter, payload: event.payload)
    }

    mutating func deadLettered() -> Action { handlerSucceeded() }

    mutating func ackDone(_ seq: UInt64) -> Action {
        acked = max(acked, seq)
        return done ? .waitForDoorbell : replayAfterAcked(delay: 0)
    }

    func doorbell() -> Action { replayAfterAcked(delay: 0) }

    private func replayAfterAcked(delay: Int64) -> Action {
        .replay(ReplayRequest(pattern: subscription.pattern, fromSeq: acked + 1), afterMilliseconds: delay)
    }

    /// The next event of the batch, or the batch's acknowledgement.
    private mutating func step() -> Action {
        if next < batch.count { return .handle(batch[next], attempt: 1, afterMilliseconds: 0) }
        // Acknowledging up to scanned_to is right: the broker matched the pattern over that whole range.
        if scannedTo > acked { return .ack(scannedTo) }
        return done ? .waitForDoorbell : replayAfterAcked(delay: 0)
    }
}
