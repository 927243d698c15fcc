import PlexusProtocol
import Testing

@testable import PlexusProbes

@Suite("Probe thresholds")
struct ProbeThresholdsTests {
    private func outcome(_ passed: Bool, _ message: String = "") -> ProbeOutcome {
        ProbeOutcome(passed: passed, message: message.isEmpty ? (passed ? "ok" : "bad") : message, milliseconds: 1)
    }

    @Test("failure 3 / success 2: critical after three failures in a row, passing after two successes in a row")
    func failureThreeSuccessTwo() {
        var thresholds = ProbeThresholds(failureThreshold: 3, successThreshold: 2)
        #expect(thresholds.current == nil)
        // Two failures, a success, two failures: never three in a row.
        for passed in [false, false, true, false, false] { #expect(thresholds.record(outcome(passed)) == nil) }
        #expect(thresholds.current == nil)
        #expect(thresholds.record(outcome(false, "exit 3")) == HealthCheck(status: .critical, message: "exit 3"))
        #expect(thresholds.current?.status == .critical)
        // Still critical: no change reported.
        #expect(thresholds.record(outcome(false)) == nil)
        // One success, then a failure, resets the run of successes.
        #expect(thresholds.record(outcome(true)) == nil)
        #expect(thresholds.record(outcome(false)) == nil)
        #expect(thresholds.record(outcome(true)) == nil)
        #expect(thresholds.record(outcome(true, "exit 0")) == HealthCheck(status: .passing, message: "exit 0"))
        #expect(thresholds.record(outcome(true)) == nil)
        #expect(thresholds.current == HealthCheck(status: .passing, message: "exit 0"))
    }

    @Test("the first verdict: passing after success_threshold successes, critical after failure_threshold failures")
    func firstVerdict() {
        var one = ProbeThresholds(failureThreshold: 3, successThreshold: 1)
        #expect(one.record(outcome(true))?.status == .passing)
        var two = ProbeThresholds(failureThreshold: 3, successThreshold: 2)
        #expect(two.record(outcome(true)) == nil)
        #expect(two.record(outcome(true))?.status == .passing)
        var failing = ProbeThresholds(failureThreshold: 3, successThreshold: 2)
        #expect(failing.record(outcome(false)) == nil)
        #expect(failing.record(outcome(false)) == nil)
        #expect(failing.record(outcome(false))?.status == .critical)
    }

    @Test("thresholds below 1 count as 1")
    func clamped() {
        var thresholds = ProbeThresholds(failureThreshold: 0, successThreshold: -2)
        #expect(thresholds.record(outcome(false))?.status == .critical)
        #expect(thresholds.record(outcome(true))?.status == .passing)
    }
}
