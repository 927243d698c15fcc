/// Mapping wall-clock matches to real instants in a time zone, including DST changes.
///
/// Policy (also in `SCHEDULES.md`):
///
/// - **Fixed-hour jobs** (the hour field lists specific hours, e.g. `30 2 * * *`, `0 9-17 * * *`)
///   run once per matching wall time. In a **gap** (spring forward) a nonexistent wall time fires
///   at the first instant after the gap, i.e. when the gap ends (02:30 → 03:00 new time); several
///   nonexistent matches in one gap, or a gap match plus a match at the gap's end, fire once.
///   In an **overlap** (fall back) a repeated wall time fires at its first occurrence only.
/// - **Periodic jobs** (the hour field is `*` or has a step, e.g. `*/15 * * * *`, `0 */2 * * *`)
///   fire at every real instant whose wall time matches: nothing in a gap (the day simply has
///   fewer runs) and both passes through an overlap (an hourly job runs twice in the repeated hour).
///
/// The search walks the time line in segments of constant UTC offset. Within a segment wall time
/// is instant + offset, so the field search applies directly; at each transition the next segment
/// starts. For fixed-hour jobs a high-water mark of wall time already shown skips the second pass
/// of an overlap, and a wall time below the segment's first wall time (possible only right after
/// a gap) is one the clock jumped over, so it fires at the segment's first instant.
extension CronFields {
    /// How many years past the start the search looks. February 29 can be 8 years away
    /// (2096 → 2104); impossible dates are rejected at parse time, so this only bounds the work.
    static let searchYears = 10

    /// The first instant strictly after `instant` (Unix seconds) at which the job fires in `clock`'s
    /// zone, or nil if there is none within `searchYears`.
    func nextFire(after instant: Int, in clock: ZoneClock) -> Int? {
        var low = instant + 1
        let startYear = CivilTime.fields(wallSeconds: low + clock.offset(at: low)).year
        let maxYear = min(startYear + Self.searchYears, CivilTime.supportedYears.upperBound)
        var shown = hourIsPeriodic ? 0 : clock.latestWallTime(before: low)
        // Each pass covers one segment; ten years hold about twenty transitions.
        for _ in 0..<256 {
            let offset = clock.offset(at: low)
            let end = clock.nextTransition(after: low)
            let from = hourIsPeriodic ? low + offset : shown + 1
            guard let wall = nextWallTime(from: from, maxYear: maxYear) else { return nil }
            let fire = wall < low + offset ? low : wall - offset
            guard let end, fire >= end else { return fire }
            // The whole segment has been shown; only the next one's repeated or skipped walls remain.
            shown = max(shown, end - 1 + offset)
            low = end
        }
        return nil
    }
}
