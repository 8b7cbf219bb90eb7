import Foundation
import Testing
import UserSyncEngine
import UserSyncProviders
import UserSyncStore

/// The delivery state machine is a pure value: answers, a clock and a jitter draw in, actions
/// out. Every transition is a row here; no sockets, no sleeping.
@Suite("DeliveryStateMachine")
struct DeliveryStateMachineTests {
    static let policy = RetryPolicy(baseDelay: 1, maxDelay: 8, maxAttempts: 5, maxAge: 3600)

    static func machine() -> DeliveryStateMachine {
        DeliveryStateMachine(policy: policy, openAfter: 3, authProbeInterval: 900)
    }

    static let unavailable = ProviderResponse.retryLater(status: 503, retryAfter: nil, message: "Service Unavailable")

    /// One answer and what must come of it.
    struct Step: Sendable {
        var response: ProviderResponse
        var item: String
        var attempts = 0
        var firstFailedAt: Double? = nil
        var now: Double
        var jitter = 1.0
        var probe = false
        var expect: [DeliveryStateMachine.Action]
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let steps: [Step]
        /// The permit right after the last step, at `permitAt`.
        var permitAt: Double = 0
        var permit: DeliveryStateMachine.Permit? = nil
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "success acknowledges", steps: [Step(response: .success, item: "a", now: 0, expect: [.acknowledge])],
            permitAt: 0, permit: .send),
        Row(name: "Retry-After holds the whole provider until then, no outage, no attempt", steps: [
            Step(response: .retryLater(status: 429, retryAfter: RetryAfter(seconds: 42), message: "slow down"), item: "a", now: 10,
                 expect: [.held(until: 52), .retry(notBefore: 52, charged: false), .halt]),
        ], permitAt: 20, permit: .wait(until: 52, why: .retryAfter)),
        Row(name: "a 503 of a healthy provider is the change's own: charged, its own backoff", steps: [
            Step(response: unavailable, item: "a", now: 0, expect: [.retry(notBefore: 1, charged: true)]),
        ], permitAt: 0, permit: .send),
        Row(name: "backoff grows with the change's attempts, full jitter", steps: [
            Step(response: unavailable, item: "a", attempts: 2, firstFailedAt: 0, now: 100, jitter: 0.5,
                 expect: [.retry(notBefore: 102, charged: true)]),
        ]),
        Row(name: "a dropped connection and a 429 without Retry-After are failures like a 5xx", steps: [
            Step(response: .retryLater(status: nil, retryAfter: nil, message: "connection closed"), item: "a", now: 0,
                 expect: [.retry(notBefore: 1, charged: true)]),
            Step(response: .retryLater(status: 429, retryAfter: nil, message: "Too Many Requests"), item: "b", now: 0,
                 expect: [.retry(notBefore: 2, charged: false)]),
        ]),
        Row(name: "a poison change dead-letters after its own attempts; the circuit stays closed", steps: [
            Step(response: unavailable, item: "p", attempts: 3, firstFailedAt: 0, now: 10, expect: [.retry(notBefore: 18, charged: true)]),
            Step(response: .success, item: "a", now: 11, expect: [.acknowledge]),
            Step(response: unavailable, item: "p", attempts: 4, firstFailedAt: 0, now: 20,
                 expect: [.deadLetter(reason: "gave up after 5 attempts; last: HTTP 503: Service Unavailable")]),
        ], permitAt: 20, permit: .send),
        Row(name: "a change failing alone again and again is still charged, and opens nothing", steps: [
            Step(response: unavailable, item: "p", attempts: 0, now: 0, expect: [.retry(notBefore: 1, charged: true)]),
            Step(response: unavailable, item: "p", attempts: 1, firstFailedAt: 0, now: 1, expect: [.retry(notBefore: 3, charged: true)]),
            Step(response: unavailable, item: "p", attempts: 2, firstFailedAt: 0, now: 3, expect: [.retry(notBefore: 7, charged: true)]),
            Step(response: unavailable, item: "p", attempts: 3, firstFailedAt: 0, now: 7, expect: [.retry(notBefore: 15, charged: true)]),
        ], permitAt: 7, permit: .send),
        Row(name: "changes failing in a row open the circuit: the first charged, the rest not", steps: [
            Step(response: unavailable, item: "a", now: 0, expect: [.retry(notBefore: 1, charged: true)]),
            Step(response: unavailable, item: "b", now: 0, expect: [.retry(notBefore: 2, charged: false)]),
            Step(response: unavailable, item: "c", now: 0, expect: [.circuitOpened(nextProbeAt: 1), .retry(notBefore: 1, charged: false), .halt]),
        ], permitAt: 0.5, permit: .wait(until: 1, why: .circuitOpen)),
        Row(name: "open: an answer to a request sent before costs nothing and changes nothing", steps: [
            Step(response: unavailable, item: "a", now: 0, expect: [.retry(notBefore: 1, charged: true)]),
            Step(response: unavailable, item: "b", now: 0, expect: [.retry(notBefore: 2, charged: false)]),
            Step(response: unavailable, item: "c", now: 0, expect: [.circuitOpened(nextProbeAt: 1), .retry(notBefore: 1, charged: false), .halt]),
            Step(response: unavailable, item: "d", attempts: 11, now: 0.2, expect: [.retry(notBefore: 1, charged: false)]),
        ], permitAt: 1, permit: .probe),
        Row(name: "a failed probe doubles the wait up to max_delay; a good one closes the circuit", steps: [
            Step(response: unavailable, item: "a", now: 0, expect: [.retry(notBefore: 1, charged: true)]),
            Step(response: unavailable, item: "b", now: 0, expect: [.retry(notBefore: 2, charged: false)]),
            Step(response: unavailable, item: "c", now: 0, expect: [.circuitOpened(nextProbeAt: 1), .retry(notBefore: 1, charged: false), .halt]),
            Step(response: unavailable, item: "a", attempts: 1, now: 1, probe: true,
                 expect: [.probeFailed(nextProbeAt: 3, failedProbes: 1), .retry(notBefore: 3, charged: false), .halt]),
            Step(response: .retryLater(status: nil, retryAfter: nil, message: "request timed out"), item: "a", attempts: 1, now: 3, probe: true,
                 expect: [.probeFailed(nextProbeAt: 7, failedProbes: 2), .retry(notBefore: 7, charged: false), .halt]),
            Step(response: unavailable, item: "a", attempts: 1, now: 7, probe: true,
                 expect: [.probeFailed(nextProbeAt: 15, failedProbes: 3), .retry(notBefore: 15, charged: false), .halt]),
            Step(response: unavailable, item: "a", attempts: 1, now: 15, probe: true,
                 expect: [.probeFailed(nextProbeAt: 23, failedProbes: 4), .retry(notBefore: 23, charged: false), .halt]),
            Step(response: .success, item: "a", attempts: 1, now: 23, probe: true, expect: [.acknowledge, .circuitClosed(openFor: 23)]),
        ], permitAt: 23, permit: .send),
        Row(name: "jitter shortens a probe wait to between half and all of it", steps: [
            Step(response: unavailable, item: "a", now: 0, expect: [.retry(notBefore: 1, charged: true)]),
            Step(response: unavailable, item: "b", now: 0, expect: [.retry(notBefore: 2, charged: false)]),
            Step(response: unavailable, item: "c", now: 0, jitter: 0,
                 expect: [.circuitOpened(nextProbeAt: 0.5), .retry(notBefore: 0.5, charged: false), .halt]),
        ]),
        Row(name: "a Retry-After during a probe keeps the circuit open until then", steps: [
            Step(response: unavailable, item: "a", now: 0, expect: [.retry(notBefore: 1, charged: true)]),
            Step(response: unavailable, item: "b", now: 0, expect: [.retry(notBefore: 2, charged: false)]),
            Step(response: unavailable, item: "c", now: 0, expect: [.circuitOpened(nextProbeAt: 1), .retry(notBefore: 1, charged: false), .halt]),
            Step(response: .retryLater(status: 503, retryAfter: RetryAfter(seconds: 30), message: "maintenance"), item: "a", now: 1, probe: true,
                 expect: [.held(until: 31), .retry(notBefore: 31, charged: false), .halt]),
        ], permitAt: 31, permit: .probe),
        Row(name: "refused credentials pause the provider; a good probe resumes it", steps: [
            Step(response: .authentication(status: 401, message: "Invalid API credentials"), item: "a", now: 0,
                 expect: [.paused(reason: "HTTP 401: Invalid API credentials", nextProbeAt: 900), .retry(notBefore: 900, charged: false), .halt]),
        ], permitAt: 10, permit: .wait(until: 900, why: .paused)),
        Row(name: "a paused provider's probe that succeeds resumes it", steps: [
            Step(response: .authentication(status: 403, message: "Forbidden"), item: "a", now: 0,
                 expect: [.paused(reason: "HTTP 403: Forbidden", nextProbeAt: 900), .retry(notBefore: 900, charged: false), .halt]),
            Step(response: .success, item: "a", now: 900, probe: true, expect: [.acknowledge, .resumed(pausedFor: 900)]),
        ], permitAt: 900, permit: .send),
        Row(name: "refusals dead-letter at once", steps: [
            Step(response: .permanent(status: 422, message: "bad"), item: "a", now: 0, expect: [.deadLetter(reason: "HTTP 422: bad")]),
        ]),
        Row(name: "a 404 asks for a fresh lookup", steps: [
            Step(response: .notFound(message: "gone"), item: "a", now: 0, expect: [.reresolve]),
        ]),
        Row(name: "a request cut short by our stop is no answer", steps: [
            Step(response: .cancelled, item: "a", attempts: 11, now: 0, expect: [.ignore]),
        ], permitAt: 0, permit: .send),
        Row(name: "max_age ends a change's own retries", steps: [
            Step(response: .retryLater(status: 500, retryAfter: nil, message: "boom"), item: "a", attempts: 1, firstFailedAt: 0, now: 3600,
                 expect: [.deadLetter(reason: "gave up after retrying for 3600 s; last: HTTP 500: boom")]),
        ]),
    ]

    @Test(arguments: rows)
    func transition(_ row: Row) {
        var machine = Self.machine()
        for (index, step) in row.steps.enumerated() {
            if step.probe {
                #expect(machine.permit(now: step.now) == .probe, "step \(index): a probe is due")
                machine.probeStarted()
                #expect(machine.permit(now: step.now, inFlight: 1) == .wait(until: step.now, why: .probeInFlight), "step \(index): one probe at a time")
            }
            let actions = machine.answered(
                step.response, item: step.item, attempts: step.attempts, firstFailedAt: step.firstFailedAt, now: step.now, jitter: step.jitter)
            #expect(actions == step.expect, "step \(index)")
        }
        if let permit = row.permit { #expect(machine.permit(now: row.permitAt) == permit) }
    }

    /// Twenty-four hours down: one probe per max_delay, and not one attempt charged after the
    /// first change of the outage.
    @Test func aDayLongOutageChargesNothingAndProbesAtMostOncePerMaxDelay() {
        var machine = Self.machine()
        var now = 0.0
        var charged = 0
        var requests = 0
        for item in ["a", "b", "c"] {
            requests += 1
            for case .retry(_, true) in machine.answered(Self.unavailable, item: item, attempts: 0, firstFailedAt: nil, now: now, jitter: 1) { charged += 1 }
        }
        while now < 86_400 {
            guard case .wait(let until, .circuitOpen) = machine.permit(now: now) else {
                #expect(machine.permit(now: now) == .probe)
                machine.probeStarted()
                requests += 1
                for case .retry(_, true) in machine.answered(Self.unavailable, item: "z", attempts: 11, firstFailedAt: 0, now: now, jitter: 1) { charged += 1 }
                continue
            }
            now = until
        }
        #expect(charged == 1)
        #expect(requests <= 3 + 86_400 / 8 + 4)
        #expect(requests >= 86_400 / 8 - 4)
    }

    /// A probe that was not sent after all (nothing due) leaves the circuit open, never stuck
    /// half-open with no probe in flight.
    @Test func anAbandonedProbeLeavesTheCircuitOpenForTheNextOne() {
        var machine = Self.machine()
        for item in ["a", "b", "c"] {
            _ = machine.answered(Self.unavailable, item: item, attempts: 0, firstFailedAt: nil, now: 0, jitter: 1)
        }
        #expect(machine.permit(now: 1) == .probe)
        machine.probeStarted()
        machine.probeAbandoned(now: 1)
        #expect(machine.permit(now: 1) == .probe)
        #expect(machine.circuit == .open(since: 0, nextProbeAt: 1, failedProbes: 0, wait: 1))
    }

    @Test func retryAfterAsHTTPDateResolvesToADelay() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let header = "Tue, 14 Nov 2023 22:13:50 GMT"  // 30 s after `now`
        #expect(RetryAfter(header: header, now: now)?.seconds == 30)
        #expect(RetryAfter(header: "120", now: now)?.seconds == 120)
        #expect(RetryAfter(header: "soon", now: now) == nil)
    }

    @Test func classificationReadsRetryAfterCaseInsensitively() {
        let response = ProviderResponse.classify(status: 429, headers: [("retry-after", "7")], message: "Too Many Requests")
        #expect(response == .retryLater(status: 429, retryAfter: RetryAfter(seconds: 7), message: "Too Many Requests"))
    }

    @Test func backoffIsCappedAtMaxDelay() {
        let unlimited = RetryPolicy(baseDelay: 1, maxDelay: 60, maxAttempts: 0, maxAge: 0)
        #expect(unlimited.backoff(failures: 30, jitter: 1) == 60)
        #expect(unlimited.backoff(failures: 1000, jitter: 1) == 60)
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
