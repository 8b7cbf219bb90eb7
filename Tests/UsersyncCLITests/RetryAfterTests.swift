import Foundation
import Testing
import UserSyncSandbox

/// F. A 429 with `Retry-After` (delay-seconds or HTTP-date) holds the provider: no request
/// reaches it before the stated time, across `sync --once` runs, then delivery completes.
@Suite("Retry-After")
struct RetryAfterTests {
    enum Form: String, Sendable, CaseIterable { case seconds, httpDate }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    @Test("the first perform.chat PUT gets 429 + Retry-After; nothing is sent before the stated time",
          .timeLimit(.minutes(3)), arguments: Form.allCases, [1, 4])
    func honoured(form: Form, concurrency: Int) async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(20)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, retry: "base_delay: 50ms\n  max_delay: 500ms")
            try s.editConfig("concurrency: 4", "concurrency: \(concurrency)")
            #expect(try await s.syncOnce().status == 0)   // ids learned: the next requests are PUTs

            var changed = users
            for i in changed.indices { changed[i].plan = "pro" }
            try s.workspace.writeUsers(changed)
            s.sandbox.resetRequests()
            let retryAfter: String
            var statedWait: Double?
            var statedUntil: Date?
            switch form {
            case .seconds:
                retryAfter = "2"
                statedWait = 2
            case .httpDate:
                // Whole seconds: 2–3 s ahead by the time the request arrives.
                let stated = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3).rounded(.down))
                retryAfter = Self.httpDate(stated)
                statedUntil = stated
            }
            s.sandbox.setFaults(SandboxFaults(script: [429], retryAfter: retryAfter), for: .performChat)

            let statuses = try await s.syncUntilDelivered(maxRuns: 10).map(\.status)
            #expect(statuses.first == 75)
            #expect(s.sandbox.holds(changed))

            let log = s.sandbox.requestLog().filter { $0.provider == .performChat }
            let throttled = try #require(log.first { $0.status == "429" }, "no 429 in \(log.map(\.status))")
            #expect(throttled.route == "PUT /customer-users/:id")
            let until = statedUntil ?? throttled.time.addingTimeInterval(statedWait ?? 0)
            let early = log.filter { $0.time > throttled.time && $0.time < until }
            let described = early.map { "+\(Int($0.time.timeIntervalSince(throttled.time) * 1000)) ms \($0.route) \($0.status)" }
            if concurrency == 1 {
                #expect(early.isEmpty, "perform.chat requests within the Retry-After window: \(described)")
            } else {
                // The other requests in flight may still arrive, and each of them that answers
                // before the client has read the 429 may be followed by one more; after that,
                // nothing until the stated time.
                #expect(early.count <= 2 * (concurrency - 1), "\(early.count) perform.chat requests within the Retry-After window: \(described)")
                // (Within 2 s: on a loaded machine an in-flight request can reach the sandbox late.)
                #expect(early.allSatisfy { $0.time < throttled.time.addingTimeInterval(2) },
                        "perform.chat requests well inside the Retry-After window: \(described)")
            }
            let later = log.filter { $0.time >= until }
            #expect(!later.isEmpty, "delivery did not resume after the stated time")
            #expect(log.filter { $0.status == "200" }.count == users.count)
            // CommBox is not held by perform.chat's throttling.
            #expect(s.sandbox.requestCounts().commBox.route("POST /users/:id") == users.count)
        }
    }

    @Test("a 429 + Retry-After on a CommBox id lookup holds the lookups too", .timeLimit(.minutes(3)))
    func lookupHonoured() async throws {
        try await SyncScenario.with { s in
            let users = TestUser.many(12)
            try s.sandbox.seedExisting(users)
            try s.workspace.writeUsers(users)
            try s.workspace.writeConfig(sandbox: s.sandbox, performchat: false, sync: "interval: 1s\n  direction: push",
                                        retry: "base_delay: 50ms\n  max_delay: 500ms")
            s.sandbox.setFaults(SandboxFaults(script: [429], retryAfter: "2"), for: .commBox)
            try await s.syncUntilDelivered(maxRuns: 10)
            #expect(s.mismatches(users).filter { $0.hasPrefix("commbox:") }.isEmpty)
            let log = s.sandbox.requestLog().filter { $0.provider == .commBox }
            let throttled = try #require(log.first { $0.status == "429" })
            #expect(throttled.route == "GET /users/by-identity")
            let early = log.filter { $0.time > throttled.time && $0.time < throttled.time.addingTimeInterval(2) }
            #expect(early.count == 0, "\(early.count) CommBox requests within the Retry-After window: \(early.prefix(5).map { "\($0.route) \($0.status)" })")
        }
    }
}
