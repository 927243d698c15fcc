import Foundation
import Logging
import PlexusEventLog
import PlexusProtocol
import PlexusTopology
import Synchronization

/// The durable side of the event path (docs/PROTOCOL.md section 10): the sequence reservation that
/// keeps seqs from ever being reused, the event log, and the acknowledged publishes waiting for the log.
///
/// Owned by the broker loop; only `written`/`synced` are set from the log's writer thread.
final class EventStore: @unchecked Sendable {
    /// Names the sequence; stable across restarts with the same data directory.
    let epoch: String
    /// The first seq this run stamps.
    let firstSeqOfRun: UInt64
    /// The log, when the broker has a data directory and `events.log` is not false.
    let log: EventLog?
    /// Where durable subscriptions' cursors live.
    let durable: DurableStore
    let syncPolicy: EventLogSync
    let retention: EventLogState.Retention
    private let directory: String?
    private var reservation: SequenceReservation?
    private let logger: Logger
    /// The highest seq the writer has handed to the OS, and the highest it has fsynced.
    private let progress: Progress
    /// Acknowledged publishes waiting for their seq to be stored, in seq order.
    private var pendingAcks: [PendingAck] = []
    private var pendingAckHead = 0
    /// `droppedByWriter` when it was last logged, so that a growing count is logged once a tick.
    private var loggedWriterDrops: UInt64 = 0
    /// Reservation failures (the sequence file cannot be written): counted and logged, never fatal.
    private(set) var reservationFailures: UInt64 = 0

    /// A reply to send once the log holds `seq`.
    struct PendingAck {
        var seq: UInt64
        var envelope: ControlEnvelope
        var requestID: [UInt8]
    }

    private final class Progress: Sendable {
        let written = Atomic<UInt64>(0)
        let synced = Atomic<UInt64>(0)
    }

    /// Opens (or creates) `<data>/events`, recovers the log and reserves the first block of seqs.
    /// `wake` is called from the writer thread after each write, so that the loop answers waiting publishes.
    init(configuration: BrokerConfiguration, logger: Logger, wake: @escaping @Sendable () -> Void) throws {
        self.logger = logger
        let section = configuration.events
        let sync: EventLogSync =
            switch section.sync {
            case .always: .always
            case .interval(let milliseconds): .interval(milliseconds: Int(milliseconds))
            case nil: .interval(milliseconds: 1000)
            }
        syncPolicy = sync
        var logConfiguration = EventLogConfiguration(directory: "")
        logConfiguration.maxEvents = section.maxEvents ?? logConfiguration.maxEvents
        logConfiguration.maxBytes = section.maxBytes ?? logConfiguration.maxBytes
        logConfiguration.maxAgeMicroseconds = section.maxAgeMilliseconds.map { $0 * 1000 } ?? logConfiguration.maxAgeMicroseconds
        logConfiguration.sync = sync
        logConfiguration.maxPendingBytes = Self.writerQueueBytes
        // Retention deletes whole segments: an eighth of the byte window each keeps what it drops small.
        logConfiguration.segmentBytes = Int(clamping: min(UInt64(64 << 20), max(UInt64(64 << 10), logConfiguration.maxBytes / 8)))
        retention = EventLogState.Retention(
            maxEvents: logConfiguration.maxEvents, maxBytes: logConfiguration.maxBytes,
            maxAgeSeconds: logConfiguration.maxAgeMicroseconds / 1_000_000)
        let progress = Progress()
        self.progress = progress

        guard let data = configuration.dataDirectory else {
            // No data directory: nothing survives the run, so each run is its own epoch.
            epoch = SequenceReservation.newEpoch()
            firstSeqOfRun = 1
            log = nil
            directory = nil
            durable = try DurableStore(directory: nil)
            return
        }
        let eventsDirectory = URL(fileURLWithPath: data).appendingPathComponent("events").path
        try FileManager.default.createDirectory(atPath: eventsDirectory, withIntermediateDirectories: true)
        directory = eventsDirectory
        var log: EventLog? = nil
        if section.log ?? true {
            logConfiguration.directory = eventsDirectory
            log = try EventLog(configuration: logConfiguration) { seq, synced in
                progress.written.store(seq, ordering: .releasing)
                if synced { progress.synced.store(seq, ordering: .releasing) }
                wake()
            }
        }
        self.log = log
        var reservation = try SequenceReservation(directory: eventsDirectory)
        firstSeqOfRun = try reservation.start(above: log?.recovery.lastSeq ?? 0)
        epoch = reservation.epoch
        self.reservation = reservation
        if let recovery = log?.recovery {
            progress.written.store(recovery.lastSeq, ordering: .releasing)
            progress.synced.store(recovery.lastSeq, ordering: .releasing)
            for range in recovery.badRanges {
                logger.error(
                    "event log: records lost to corruption were cut out",
                    metadata: ["first": "\(range.first)", "last": "\(range.last)", "reason": "\(range.reason)"])
            }
            if recovery.discardedBytes > 0 {
                logger.warning("event log: discarded a torn tail", metadata: ["bytes": "\(recovery.discardedBytes)"])
            }
        }
        durable = try DurableStore(directory: data)
        logger.info(
            "event log open",
            metadata: [
                "directory": "\(eventsDirectory)", "enabled": "\(log != nil)", "epoch": "\(epoch)",
                "first_seq": "\(firstSeqOfRun)", "recovered": "\(log?.recovery.records ?? 0)",
            ])
    }

    /// The memory the log's writer queue may hold (docs/LIMITS.md): about a quarter of a second of the
    /// broker's full forwarding rate at 64 B on the reference machine, and a bound on what it adds to RSS.
    static let writerQueueBytes = 32 << 20

    /// The last seq each topic had in the log, to continue `prev` after a restart.
    var recoveredTopics: [String: UInt64] { log?.recovery.lastSeqPerTopic ?? [:] }

    // MARK: The loop's calls

    /// Makes sure `seq` is inside a reserved block before it is used. A failure to write the reservation
    /// is logged and counted: the broker keeps serving, but a crash before the next success could make
    /// the numbers after it be used again.
    @inline(__always)
    func reserve(_ seq: UInt64) {
        guard reservation != nil else { return }
        do {
            try reservation!.ensure(seq)
        } catch {
            reservationFailures &+= 1
            if reservationFailures == 1 || reservationFailures % 100_000 == 0 {
                logger.critical(
                    "cannot reserve sequence numbers; seqs may be reused after a crash",
                    metadata: ["error": "\(error)", "failures": "\(reservationFailures)"])
            }
        }
    }

    /// Waits for `seq` to be stored before `envelope` gets its answer.
    func awaitStored(_ seq: UInt64, envelope: ControlEnvelope, requestID: [UInt8]) {
        pendingAcks.append(PendingAck(seq: seq, envelope: envelope, requestID: requestID))
    }

    /// The highest seq an acknowledgement may promise: written to the OS, or fsynced with `sync: always`.
    var storedSeq: UInt64 {
        syncPolicy == .always ? progress.synced.load(ordering: .acquiring) : progress.written.load(ordering: .acquiring)
    }

    /// Takes the waiting publishes whose seq is now stored.
    func takeStoredAcks() -> ArraySlice<PendingAck> {
        guard pendingAckHead < pendingAcks.count else { return [] }
        let stored = storedSeq
        var end = pendingAckHead
        while end < pendingAcks.count, pendingAcks[end].seq <= stored { end += 1 }
        let ready = pendingAcks[pendingAckHead..<end]
        pendingAckHead = end
        if pendingAckHead == pendingAcks.count {
            pendingAcks.removeAll(keepingCapacity: true)
            pendingAckHead = 0
        }
        return ready
    }

    /// Whether any acknowledgement waits.
    var hasPendingAcks: Bool { pendingAckHead < pendingAcks.count }

    /// Logs a growing count of events the writer could not take (once a tick).
    func logWriterDrops() {
        guard let dropped = log?.info.droppedByWriter, dropped > loggedWriterDrops else { return }
        logger.error(
            "event log writer fell behind: events forwarded but not stored (recorded as gaps)",
            metadata: ["new": "\(dropped - loggedWriterDrops)", "total": "\(dropped)"])
        loggedWriterDrops = dropped
    }

    /// The log's state for `EVENTS` and `STATS`.
    func state(headSeq: UInt64) -> EventLogState {
        let syncText =
            switch syncPolicy {
            case .always: "always"
            case .interval(let milliseconds) where milliseconds % 1000 == 0: "interval \(milliseconds / 1000)s"
            case .interval(let milliseconds): "interval \(milliseconds)ms"
            }
        guard let log else {
            return EventLogState(
                enabled: false, epoch: epoch, headSeq: headSeq, sync: syncText, retention: retention, directory: directory)
        }
        let info = log.info
        let recovery = log.recovery
        return EventLogState(
            enabled: true, epoch: epoch, headSeq: headSeq, firstSeq: info.firstSeq, lastSeq: info.lastSeq, events: info.events,
            bytes: info.bytes, oldestTime: info.oldestTime, segments: info.segments, pendingBytes: info.pendingBytes,
            droppedByWriter: info.droppedByWriter, gaps: info.gaps, syncedSeq: info.syncedSeq, sync: syncText,
            retention: retention,
            recovered: EventLogState.Recovered(
                records: recovery.records,
                badRanges: recovery.badRanges.map { SeqGap(first: $0.first, last: $0.last, reason: $0.reason) },
                discardedBytes: recovery.discardedBytes),
            directory: directory)
    }

    /// Writes what is queued and stops the writer.
    func close() {
        log?.close()
    }
}
