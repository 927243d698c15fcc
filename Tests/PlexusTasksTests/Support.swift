import Foundation

@testable import PlexusTasks

/// A minute-aligned instant, so cron fires land on round offsets from it.
let t0 = Date(timeIntervalSince1970: 1_700_000_040)

/// `t0 + seconds`: the fake clock.
func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

func def(
    _ id: String = "job", schedule: ScheduleSpec = .every(10), target: TargetSpec = .service("work.run"),
    timeout: TimeInterval = 60, retries: Int = 0, backoff: TimeInterval = 1, concurrency: String = "forbid",
    misfire: String = "skip", deadline: TimeInterval? = nil, startAt: Date? = nil, endAt: Date? = nil, maxRuns: Int? = nil
) -> TaskDefinition {
    TaskDefinition(
        id: id, schedule: schedule, target: target, payload: "{}", timeout: timeout, retries: retries,
        retryBackoff: backoff, concurrency: concurrency, misfire: misfire, startingDeadline: deadline,
        startAt: startAt, endAt: endAt, maxRuns: maxRuns)
}

func scheduler(_ definitions: TaskDefinition...) throws -> TaskScheduler {
    var scheduler = TaskScheduler()
    for definition in definitions { try scheduler.add(definition, now: t0) }
    return scheduler
}

extension [SchedulerAction] {
    var started: [RunOrder] {
        compactMap { if case .startRun(let order) = $0 { order } else { nil } }
    }
    var canceled: [String] {
        compactMap { if case .cancelRun(_, let runID, _) = $0 { runID } else { nil } }
    }
    func events(_ topic: String) -> [TaskEvent] {
        compactMap { if case .publishEvent(let event) = $0, event.topic == topic { event } else { nil } }
    }
}
