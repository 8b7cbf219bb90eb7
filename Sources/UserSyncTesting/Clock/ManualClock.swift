import Synchronization

/// A clock that moves only when the test says so: code under test that sleeps on it stays
/// asleep until `advance(by:)` passes its deadline, so pacing and back-off can be tested to the
/// exact instant without waiting in real time or racing a loaded machine.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        /// Time since the clock was made.
        public var offset: Duration

        public init(offset: Duration) {
            self.offset = offset
        }

        public func advanced(by duration: Duration) -> Instant {
            Instant(offset: offset + duration)
        }

        public func duration(to other: Instant) -> Duration {
            other.offset - offset
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }
    }

    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }

    public var minimumResolution: Duration { .zero }

    /// Seconds since the clock was made, for the engine's `now: Double` parameters.
    public var seconds: Double {
        let offset = now.offset.components
        return Double(offset.seconds) + Double(offset.attoseconds) / 1e18
    }

    /// How many tasks are asleep on this clock: a test advances once the code under test has
    /// reached its sleep (see `waitForSleepers`).
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes, in deadline order, every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a clock does not go back")
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return due.values.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Waits (in real time, yielding) until at least `count` tasks sleep on this clock; gives
    /// up after `limit` so a test that expected a sleep which never came fails instead of hanging.
    /// - Returns: whether they arrived.
    @discardableResult
    public func waitForSleepers(_ count: Int = 1, limit: Duration = .seconds(10)) async -> Bool {
        let give = ContinuousClock.now + limit
        while sleeperCount < count {
            guard ContinuousClock.now < give else { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }
}
