import Foundation
import Testing

@testable import PlexusSchedule

/// Parses an ISO 8601 instant with an explicit offset; tables write expected fire times as local
/// wall time plus offset (`2025-03-09T03:00:00-04:00`) so that the DST reasoning stays visible.
func instant(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Date {
    do {
        return try Date(text, strategy: .iso8601)
    } catch {
        Issue.record("bad ISO 8601 date in test: \(text)", sourceLocation: sourceLocation)
        return .distantPast
    }
}

/// The zone, or a recorded failure and UTC.
func zone(_ identifier: String, sourceLocation: SourceLocation = #_sourceLocation) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else {
        Issue.record("unknown zone in test: \(identifier)", sourceLocation: sourceLocation)
        return .gmt
    }
    return zone
}

/// `count` successive fire times of a cron expression in a zone.
func fires(_ expression: String, in zoneName: String = "UTC", after start: String, count: Int) throws -> [Date] {
    let schedule = try Schedule.cron(expression, timeZone: zoneName)
    return schedule.nextFires(after: instant(start), count: count)
}

/// A row of a fire-time table: an expression, its zone, a start instant and the expected fire times.
struct FireCase: CustomTestStringConvertible, Sendable {
    let expression: String
    let zone: String
    let start: String
    let expected: [String]

    init(_ expression: String, in zone: String = "UTC", after start: String, _ expected: [String]) {
        self.expression = expression
        self.zone = zone
        self.start = start
        self.expected = expected
    }

    var testDescription: String { "\"\(expression)\" in \(zone) after \(start)" }

    func check() throws {
        let actual = try fires(expression, in: zone, after: start, count: expected.count)
        #expect(
            actual == expected.map { instant($0) },
            "\(testDescription): got \(actual.map { $0.formatted(.iso8601) })")
    }
}
