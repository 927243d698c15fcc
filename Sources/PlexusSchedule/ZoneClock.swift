import Foundation

/// A time zone seen as what the search needs: the UTC offset in force at an instant and the next
/// instant at which that offset changes. Instants are whole seconds since the Unix epoch.
struct ZoneClock: Sendable {
    let zone: TimeZone

    /// Seconds to add to UTC to get local wall time at `instant`.
    func offset(at instant: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    /// The first instant after `instant` at which the offset changes, or nil if it never does.
    ///
    /// Foundation names this "daylight saving" transition but reports every offset change in the
    /// tz database (Europe/Moscow 2014, Pacific/Apia skipping 2011-12-30), which is what we need.
    func nextTransition(after instant: Int) -> Int? {
        guard let date = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(instant)))
        else { return nil }
        let transition = Int(date.timeIntervalSince1970.rounded(.up))
        // A transition at or before `instant` would stall the caller's loop; treat it as none.
        return transition > instant ? transition : nil
    }

    /// The latest wall time shown by the clock at any instant before `instant`.
    ///
    /// Normally that is the wall time one second earlier, but just after a fall-back the clock has
    /// already shown later wall times (the first pass through the repeated hour). Overlaps last at
    /// most a day, so transitions in the last day are all that can matter.
    func latestWallTime(before instant: Int) -> Int {
        var latest = instant - 1 + offset(at: instant - 1)
        var probe = instant - CivilTime.secondsPerDay
        while let transition = nextTransition(after: probe), transition < instant {
            latest = max(latest, transition - 1 + offset(at: transition - 1))
            probe = transition
        }
        return latest
    }
}
