import Foundation

/// Durations as topology files write them: `250ms`, `5s`, `1m30s`, `2h`, or a bare number of seconds.
public enum DurationValue {
    /// Parses a duration into milliseconds; `nil` when the text is not one.
    public static func milliseconds(_ text: String) -> Int64? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds >= 0, seconds.isFinite { return Int64((seconds * 1000).rounded()) }
        var total: Double = 0
        var number = ""
        var unit = ""
        var parsedAny = false
        func flush() -> Bool {
            guard let value = Double(number), value >= 0 else { return false }
            let factor: Double
            switch unit {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            default: return false
            }
            total += value * factor
            number = ""
            unit = ""
            parsedAny = true
            return true
        }
        for character in text {
            if character.isNumber || character == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(character)
            } else if character.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard !number.isEmpty, flush(), parsedAny, total.isFinite, total < 1e15 else { return nil }
        return Int64(total.rounded())
    }
}
