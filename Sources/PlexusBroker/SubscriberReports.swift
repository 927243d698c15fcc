import PlexusProtocol

/// The last `SUBSCRIBER` report of each SDK subscriber (docs/PROTOCOL.md section 10), for `STATS`:
/// who received how much and how many gaps each saw and repaired, so that a slow one stands out.
///
/// Bounded: at most `maxSubscribers` ids, the stalest forgotten first; reports older than a minute
/// are not listed (a subscriber that stopped reporting has gone).
struct SubscriberReports {
    static let maxSubscribers = 10_000
    static let freshMicroseconds: Int64 = 60_000_000

    private(set) var reports: [String: SubscriberReport] = [:]

    mutating func record(_ report: SubscriberReport, now: Int64) {
        var stamped = report
        stamped.reportedAt = now
        if reports[report.id] == nil, reports.count >= Self.maxSubscribers {
            forgetStale(now: now)
            if reports.count >= Self.maxSubscribers,
                let oldest = reports.values.min(by: { ($0.reportedAt ?? 0) < ($1.reportedAt ?? 0) })
            {
                reports[oldest.id] = nil
            }
        }
        reports[report.id] = stamped
    }

    /// The fresh reports, by id.
    func listed(now: Int64) -> [SubscriberReport] {
        reports.values.filter { now - ($0.reportedAt ?? 0) <= Self.freshMicroseconds }.sorted { $0.id < $1.id }
    }

    private mutating func forgetStale(now: Int64) {
        reports = reports.filter { now - ($0.value.reportedAt ?? 0) <= Self.freshMicroseconds }
    }
}
