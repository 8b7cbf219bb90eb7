import AsyncHTTPClient
import Foundation
import Testing
import UserSyncSandbox

@Suite("rate limits and fault injection")
struct FaultAndLimitTests {
    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }

    @Test("past the per-minute budget: 429 with Retry-After in seconds, until the window frees a slot")
    func rateLimitSeconds() async throws {
        let clock = SandboxManualClock()
        let configuration = SandboxConfiguration(commBoxLimit: SandboxRateLimit(requestsPerMinute: 3), clock: clock.clock)
        try await withSandbox(configuration) { h in
            for _ in 1...3 { #expect(try await h.commBox(.GET, "/users/1").status == 404) }
            let throttled = try await h.commBox(.GET, "/users/1")
            #expect(throttled.status == 429)
            #expect(throttled.body == ["status": "429", "description": "Too Many Requests"])
            #expect(throttled.headers.first(name: "Retry-After") == "60")
            clock.advance(by: 30)
            #expect(try await h.commBox(.GET, "/users/1").headers.first(name: "Retry-After") == "30")
            clock.advance(by: 30.5)
            #expect(try await h.commBox(.GET, "/users/1").status == 404)
            // perform.chat has its own budget
            #expect(try await h.performChat(.GET, "/customer-users").status == 200)
            #expect(h.sandbox.requestCounts().commBox.status(429) == 2)
        }
    }

    @Test("Retry-After as an HTTP-date, or not at all")
    func rateLimitDateAndNone() async throws {
        let clock = SandboxManualClock()
        let limit = SandboxRateLimit(requestsPerMinute: 1, retryAfterMode: .date)
        try await withSandbox(SandboxConfiguration(performChatLimit: limit, clock: clock.clock)) { h in
            _ = try await h.performChat(.GET, "/customer-users")
            let throttled = try await h.performChat(.GET, "/customer-users")
            #expect(throttled.status == 429)
            #expect(throttled.body?["statusCode"] == 429)
            let header = try #require(throttled.headers.first(name: "Retry-After"))
            let date = try #require(Self.httpDate(header), "not an HTTP-date: \(header)")
            #expect(date >= clock.now.addingTimeInterval(59))
            #expect(date <= clock.now.addingTimeInterval(62))

            h.sandbox.setLimit(SandboxRateLimit(requestsPerMinute: 0, retryAfterMode: .none), for: .performChat)
            let bare = try await h.performChat(.GET, "/customer-users")
            #expect(bare.status == 429)
            #expect(bare.headers.first(name: "Retry-After") == nil)
        }
    }

    @Test("a fixed window resets all at once")
    func fixedWindow() async throws {
        let clock = SandboxManualClock()
        let limit = SandboxRateLimit(requestsPerMinute: 2, windowMode: .fixed, windowSeconds: 10)
        try await withSandbox(SandboxConfiguration(commBoxLimit: limit, clock: clock.clock)) { h in
            _ = try await h.commBox(.GET, "/users/1")
            clock.advance(by: 6)
            _ = try await h.commBox(.GET, "/users/1")
            let throttled = try await h.commBox(.GET, "/users/1")
            #expect(throttled.headers.first(name: "Retry-After") == "4")
            clock.advance(by: 4)
            #expect(try await h.commBox(.GET, "/users/1").status == 404)
            #expect(try await h.commBox(.GET, "/users/1").status == 404)
        }
    }

    @Test("a script is consumed one step per request, then normal handling resumes")
    func scriptedStatuses() async throws {
        try await withSandbox { h in
            h.sandbox.setFaults(SandboxFaults(script: [429, 500, 200], retryAfter: "2"), for: .performChat)
            let first = try await h.performChat(.GET, "/customer-users")
            #expect(first.status == 429)
            #expect(first.headers.first(name: "Retry-After") == "2")
            #expect(first.body?["statusCode"] == 429)
            let second = try await h.performChat(.GET, "/customer-users")
            #expect(second.status == 500)
            #expect(second.headers.first(name: "Retry-After") == nil)
            #expect(try await h.performChat(.GET, "/customer-users").status == 200)
            #expect(try await h.performChat(.GET, "/customer-users").status == 200)
            #expect(h.sandbox.remainingScript(for: .performChat).isEmpty)
            let counts = h.sandbox.requestCounts().performChat
            #expect(counts.total == 4)
            #expect(counts.byStatus == ["429": 1, "500": 1, "200": 2])
        }
    }

    @Test("a dropped connection is a client error, counted as dropped")
    func droppedConnection() async throws {
        try await withSandbox { h in
            h.sandbox.setFaults(SandboxFaults(script: [.drop]), for: .commBox)
            await #expect(throws: (any Error).self) {
                _ = try await h.commBox(.GET, "/users/1")
            }
            let after = try await h.commBox(.GET, "/users/1")
            #expect(after.status == 404)
            #expect(h.sandbox.requestCounts().commBox.byStatus == ["dropped": 1, "404": 1])
            #expect(h.sandbox.requestLog().first?.status == "dropped")
        }
    }

    @Test("with a seed, failure and drop rates replay identically")
    func seededRates() async throws {
        func run() async throws -> [String] {
            let faults = SandboxFaults(failureRate: 0.4, failureStatus: 502, seed: 42)
            return try await withSandbox(SandboxConfiguration(commBoxFaults: faults)) { h in
                var statuses: [String] = []
                for _ in 1...20 { statuses.append(String(try await h.commBox(.GET, "/users/1").status)) }
                return statuses
            }
        }
        let first = try await run()
        let second = try await run()
        #expect(first == second)
        #expect(first.contains("502"))
        #expect(first.contains("404"))
    }

    @Test("latency delays the response")
    func latency() async throws {
        try await withSandbox { h in
            h.sandbox.setFaults(SandboxFaults(latencyMilliseconds: 250), for: .performChat)
            let start = ContinuousClock.now
            let reply = try await h.performChat(.GET, "/customer-users")
            #expect(reply.status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(250))
        }
    }
}
