/// Durations as people read them in a table: `12.5s`, `3m12s`, `1h02m`, `2d03h`.
enum HumanDuration {
    static func format(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds)
        let (days, hours, minutes, rest) = (whole / 86_400, whole / 3_600 % 24, whole / 60 % 60, whole % 60)
        if whole < 3_600 { return "\(minutes)m\(String(format: "%02d", rest))s" }
        if whole < 86_400 { return "\(hours)h\(String(format: "%02d", minutes))m" }
        return "\(days)d\(String(format: "%02d", hours))h"
    }
}
