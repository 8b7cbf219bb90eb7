import Foundation
import Testing
import UserSyncEngine
import UserSyncProviders

/// The retry decision is a pure value: response, attempts, clock and a jitter draw in, an
/// action out. No sockets, no sleeping.
@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy(baseDelay: 1, maxDelay: 60, maxAttempts: 5, maxAge: 3600)

    @Test func successAcknowledges() {
        #expect(policy.decide(.success, attempts: 3, firstFailedAt: 0, now: 10, jitter: 0.5) == .acknowledge)
    }

    @Test func retryAfterIsHonouredAsGiven() {
        let response = ProviderResponse.retryLater(status: 429, retryAfter: RetryAfter(seconds: 42), message: "slow down")
        #expect(policy.decide(response, attempts: 0, firstFailedAt: nil, now: 0, jitter: 0.1) == .retry(delay: 42))
    }

    @Test func retryAfterAsHTTPDateResolvesToADelay() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let header = "Tue, 14 Nov 2023 22:13:50 GMT"  // 30 s after `now`
        #expect(RetryAfter(header: header, now: now)?.seconds == 30)
        #expect(RetryAfter(header: "120", now: now)?.seconds == 120)
        #expect(RetryAfter(header: "soon", now: now) == nil)
    }

    @Test(arguments: [429, 408, 500, 502, 503, 504])
    func transientStatusesBackOffExponentiallyWithFullJitter(status: Int) {
        let response = ProviderResponse.retryLater(status: status, retryAfter: nil, message: "busy")
        // Full jitter: the draw scales the capped exponential ceiling base · 2^(n-1).
        #expect(policy.decide(response, attempts: 0, firstFailedAt: nil, now: 0, jitter: 1) == .retry(delay: 1))
        #expect(policy.decide(response, attempts: 2, firstFailedAt: 0, now: 0, jitter: 1) == .retry(delay: 4))
        #expect(policy.decide(response, attempts: 2, firstFailedAt: 0, now: 0, jitter: 0.5) == .retry(delay: 2))
        #expect(policy.decide(response, attempts: 2, firstFailedAt: 0, now: 0, jitter: 0) == .retry(delay: 0))
    }

    @Test func backoffIsCappedAtMaxDelay() {
        let unlimited = RetryPolicy(baseDelay: 1, maxDelay: 60, maxAttempts: 0, maxAge: 0)
        #expect(unlimited.backoff(failures: 30, jitter: 1) == 60)
        #expect(unlimited.backoff(failures: 1000, jitter: 1) == 60)
    }

    @Test func connectionErrorsAreRetried() {
        let response = ProviderResponse.retryLater(status: nil, retryAfter: nil, message: "connection closed")
        guard case .retry = policy.decide(response, attempts: 0, firstFailedAt: nil, now: 0, jitter: 0.3) else {
            Issue.record("a dropped connection must be retried")
            return
        }
    }

    @Test func attemptsRunOutIntoADeadLetterWithTheLastStatus() {
        let response = ProviderResponse.retryLater(status: 503, retryAfter: nil, message: "Service Unavailable")
        guard case .deadLetter(let reason) = policy.decide(response, attempts: 4, firstFailedAt: 0, now: 10, jitter: 0.5) else {
            Issue.record("the fifth failure must dead-letter")
            return
        }
        #expect(reason.contains("5 attempts"))
        #expect(reason.contains("HTTP 503"))
    }

    @Test func ageRunsOutIntoADeadLetter() {
        let response = ProviderResponse.retryLater(status: 500, retryAfter: nil, message: "boom")
        guard case .deadLetter(let reason) = policy.decide(response, attempts: 1, firstFailedAt: 0, now: 3600, jitter: 0.5) else {
            Issue.record("an item failing for max_age must dead-letter")
            return
        }
        #expect(reason.contains("3600 s"))
    }

    @Test(arguments: [400, 409, 422])
    func refusalsDeadLetterAtOnce(status: Int) {
        let response = ProviderResponse.classify(status: status, headers: [], message: "bad")
        #expect(policy.decide(response, attempts: 0, firstFailedAt: nil, now: 0, jitter: 0.5) == .deadLetter(reason: "HTTP \(status): bad"))
    }

    @Test func notFoundAsksForAFreshLookup() {
        #expect(policy.decide(.notFound(message: "gone"), attempts: 0, firstFailedAt: nil, now: 0, jitter: 0.5) == .reresolve)
    }

    @Test(arguments: [401, 403])
    func refusedCredentialsPauseTheProvider(status: Int) {
        let response = ProviderResponse.classify(status: status, headers: [], message: "Invalid API credentials")
        #expect(policy.decide(response, attempts: 0, firstFailedAt: nil, now: 0, jitter: 0.5) == .pauseProvider(reason: "HTTP \(status): Invalid API credentials"))
    }

    @Test func classificationReadsRetryAfterCaseInsensitively() {
        let response = ProviderResponse.classify(status: 429, headers: [("retry-after", "7")], message: "Too Many Requests")
        #expect(response == .retryLater(status: 429, retryAfter: RetryAfter(seconds: 7), message: "Too Many Requests"))
    }
}

@Suite("RateLimiter")
struct RateLimiterTests {
    @Test func spacesRequestsEvenly() async throws {
        // 600/min is one request every 100 ms: 6 requests need at least 500 ms.
        let limiter = RateLimiter(requestsPerMinute: 600)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<6 { try await limiter.enter() }
        #expect(clock.now - start >= .milliseconds(490))
    }
}
