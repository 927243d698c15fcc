/// A per-service circuit breaker: closed → open after `threshold` consecutive failures → half-open after
/// `cooldown` (one trial call) → closed on success, open again on failure.
struct CircuitBreaker: Sendable, Equatable {
    enum State: String, Sendable {
        case closed, open
        case halfOpen = "half-open"
    }

    let threshold: Int
    let cooldownMilliseconds: Int64
    private(set) var state = State.closed
    private(set) var consecutiveFailures = 0
    private var openedAt: Int64 = 0
    private var trialInFlight = false

    init(threshold: Int, cooldownMilliseconds: Int64) {
        self.threshold = max(1, threshold)
        self.cooldownMilliseconds = cooldownMilliseconds
    }

    /// Whether a call may go through now; moves open → half-open once the cooldown passed.
    /// Returns the new state when it changed.
    mutating func admit(now: Int64) -> (allowed: Bool, changed: State?) {
        switch state {
        case .closed:
            return (true, nil)
        case .open:
            guard now - openedAt >= cooldownMilliseconds else { return (false, nil) }
            state = .halfOpen
            trialInFlight = true
            return (true, .halfOpen)
        case .halfOpen:
            // One trial at a time: the others fail fast until it has answered.
            if trialInFlight { return (false, nil) }
            trialInFlight = true
            return (true, nil)
        }
    }

    mutating func recordSuccess() -> State? {
        consecutiveFailures = 0
        trialInFlight = false
        guard state != .closed else { return nil }
        state = .closed
        return .closed
    }

    mutating func recordFailure(now: Int64) -> State? {
        consecutiveFailures += 1
        trialInFlight = false
        if state == .halfOpen || (state == .closed && consecutiveFailures >= threshold) {
            state = .open
            openedAt = now
            return .open
        }
        return nil
    }

    /// When an open breaker may admit a trial (for the loop's timer), if it is open.
    var reopensAt: Int64? { state == .open ? openedAt + cooldownMilliseconds : nil }
}
