import Synchronization
import Testing
import UserSyncEngine
import UserSyncTesting

/// The limiter's pacing, to the instant, on a clock the test moves by hand.
@Suite("Rate limiter pacing")
struct RateLimiterPacingTests {
    /// How many requests have passed the gate.
    final class Passed: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func add() { count.withLock { $0 += 1 } }
    }

    /// Starts `count` requests through the gate at once.
    func start(_ count: Int, through limiter: RateLimiter) -> (entered: Passed, tasks: [Task<Void, any Error>]) {
        let entered = Passed()
        let tasks = (0..<count).map { _ in
            Task {
                try await limiter.enter()
                entered.add()
            }
        }
        return (entered, tasks)
    }

    @Test func requestsAreSpacedEvenlyAtTheConfiguredRate() async throws {
        // Given 600 requests a minute (one per 100 ms) and five requests at once
        let clock = ManualClock()
        let limiter = RateLimiter(requestsPerMinute: 600, clock: clock)
        let (entered, tasks) = start(5, through: limiter)
        // Then one goes at once and the other four wait for their slots
        #expect(await clock.waitForSleepers(4))
        #expect(entered.value == 1)
        // When the clock moves 99 ms, nobody else may go; at 100 ms exactly one more does
        clock.advance(by: .milliseconds(99))
        try await Task.sleep(for: .milliseconds(20))
        #expect(entered.value == 1)
        clock.advance(by: .milliseconds(1))
        #expect(await waitUntil { entered.value == 2 })
        #expect(clock.sleeperCount == 3)
        // And after 300 ms more, all five have gone: never more than the rate
        clock.advance(by: .milliseconds(300))
        for task in tasks { try await task.value }
        #expect(entered.value == 5)
    }

    @Test func anIdleGateDoesNotSaveUpABurst() async throws {
        // Given a gate unused for a long time
        let clock = ManualClock()
        let limiter = RateLimiter(requestsPerMinute: 60, clock: clock)
        clock.advance(by: .seconds(3600))
        // When three requests come at once, only the first goes without waiting
        let (entered, _) = start(3, through: limiter)
        #expect(await clock.waitForSleepers(2))
        #expect(entered.value == 1)
        clock.advance(by: .seconds(1))
        #expect(await waitUntil { entered.value == 2 })
        clock.advance(by: .seconds(1))
        #expect(await waitUntil { entered.value == 3 })
    }

    @Test func aStoppedWaiterLeavesAtOnce() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(requestsPerMinute: 1, clock: clock)
        try await limiter.enter()
        let waiter = Task { try await limiter.enter() }
        #expect(await clock.waitForSleepers(1))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(clock.sleeperCount == 0)
    }

    func waitUntil(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<2000 where !condition() {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }
}
