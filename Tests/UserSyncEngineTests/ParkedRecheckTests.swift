import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// Users perform.chat does not have are parked and looked up again every
/// `missing_recheck_interval` (default 10m), all due ones in one batch.
@Suite("Parked users: re-checked within minutes, in one batch")
struct ParkedRecheckTests {
    @Test(.timeLimit(.minutes(1)))
    func aParkedUserCreatedAtTheProviderIsUpdatedWithinOneRecheckInterval() async throws {
        try await withEngineFixture { f in
            // Given a user perform.chat does not have, parked by a first cycle
            let newbie = SourceUser.numbered(2)
            try f.writeSource([newbie])
            let engine = try f.engine(EngineOptions(commBox: false))
            let first = try await engine.runCycle()
            #expect(first.dispatch[.performchat]?.parked == 1)
            let now = Date().timeIntervalSince1970
            // and then created at perform.chat (the user opened the chat)
            try f.seedPerformChat([newbie])
            f.sandbox.resetRequests()
            let dispatcher = try #require(engine.dispatchers.first { $0.provider == .performchat })

            // When the default interval (10m) has not quite passed, nothing is asked
            let early = try await dispatcher.dispatchDue(now: { now + 590 })
            #expect(early.pushed == 0)
            #expect(f.counts.performChat.total == 0)

            // When it has passed, the user is looked up (one request) and updated (one more)
            let due = try await dispatcher.dispatchDue(now: { now + 601 })
            #expect(due.pushed == 1)
            #expect(f.counts.performChat.route("GET /customer-users") == 1)
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 1)
            f.expectPerformChatMatches([newbie])
            #expect(try engine.store.outboxCount() == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func recheckParkedNowMakesTheNextCycleLookThemUp() async throws {
        try await withEngineFixture { f in
            // Given a parked user that perform.chat has since created
            let newbie = SourceUser.numbered(2)
            try f.writeSource([newbie])
            let engine = try f.engine(EngineOptions(commBox: false))
            _ = try await engine.runCycle()
            try f.seedPerformChat([newbie])

            // When the operator asks for a re-check now (`queue retry --parked`)
            #expect(try engine.store.recheckParkedNow(provider: .performchat) == 1)
            let report = try await engine.runCycle()

            // Then the next cycle updates the user at once
            #expect(report.dispatch[.performchat]?.pushed == 1)
            f.expectPerformChatMatches([newbie])
            #expect(try engine.store.nextParkedRecheck(provider: .performchat) == nil)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func parkedUsersDueAtDifferentTimesAreRecheckedInOneBatch() async throws {
        try await withEngineFixture { f in
            // Given 50 users at perform.chat that the source does not have
            try f.sandbox.seedPerformChatUsers((1001...1050).map { SandboxPerformChatSeed(externalID: "u\($0)", name: "Other \($0)") })
            // and 100 source users parked at t0 + 60 s
            let options = EngineOptions(commBox: false, missingRecheckInterval: "1m")
            let groupA = (1...100).map { SourceUser.numbered($0) }
            let groupB = (101...250).map { SourceUser.numbered($0) }
            try f.writeSource(groupA)
            let engine = try f.engine(options)
            let dispatcher = try #require(engine.dispatchers.first { $0.provider == .performchat })
            _ = try await engine.runCycle(push: false)
            let t0 = Date().timeIntervalSince1970
            #expect(try await dispatcher.dispatchDue(now: { t0 }).parked == 100)
            // and 150 more parked half a minute later, at t0 + 90 s
            try f.writeSource(groupA + groupB)
            _ = try await engine.runCycle(push: false)
            #expect(try await dispatcher.dispatchDue(now: { t0 + 30 }).parked == 150)
            // and 150 of the 250 since created at perform.chat (200 users there: 2 list pages)
            try f.seedPerformChat(Array(groupA.prefix(75)) + Array(groupB.prefix(75)))
            f.sandbox.resetRequests()

            // When the first group's re-check is due
            let report = try await dispatcher.dispatchDue(now: { t0 + 61 })

            // Then all 250 parked users are looked up together: the whole list, 2 pages,
            // instead of 2 pages per group (or 250 single lookups)
            #expect(f.counts.performChat.route("GET /customer-users") == 2)
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 150)
            #expect(report.pushed == 150)
            #expect(report.parked == 100)
            f.expectPerformChatMatches(Array(groupA.prefix(75)) + Array(groupB.prefix(75)))
            // and the 100 still missing are parked again together, due together next time
            let parked = try engine.store.parkedItems(provider: .performchat, limit: 1000)
            #expect(parked.count == 100)
            #expect(Set(parked.map(\.notBefore)).count == 1)
            #expect(parked.first.map { abs($0.notBefore - (t0 + 121)) < 0.001 } == true)

            // and nothing is asked again before then
            f.sandbox.resetRequests()
            _ = try await dispatcher.dispatchDue(now: { t0 + 100 })
            #expect(f.counts.performChat.total == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func commBoxLooksEachParkedUserUpOnItsOwnSchedule() async throws {
        try await withEngineFixture { f in
            // Given two users CommBox does not have, parked 30 s apart (CommBox looks users up
            // one request each: gathering them would only lengthen a pass)
            let options = EngineOptions(performChat: false, missingRecheckInterval: "1m")
            try f.writeSource([SourceUser.numbered(1)])
            let engine = try f.engine(options)
            let dispatcher = try #require(engine.dispatchers.first { $0.provider == .commbox })
            _ = try await engine.runCycle(push: false)
            let t0 = Date().timeIntervalSince1970
            #expect(try await dispatcher.dispatchDue(now: { t0 }).parked == 1)
            try f.writeSource([SourceUser.numbered(1), SourceUser.numbered(2)])
            _ = try await engine.runCycle(push: false)
            #expect(try await dispatcher.dispatchDue(now: { t0 + 30 }).parked == 1)
            f.sandbox.resetRequests()

            // When the first one's re-check is due, only it is looked up
            let report = try await dispatcher.dispatchDue(now: { t0 + 61 })
            #expect(report.parked == 1)
            #expect(f.counts.commBox.total == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aShorterIntervalBringsEarlierRechecksForward() async throws {
        try await withEngineFixture { f in
            // Given a user parked under an hourly interval (as older versions did)
            let newbie = SourceUser.numbered(2)
            try f.writeSource([newbie])
            let hourly = try f.engine(EngineOptions(commBox: false, missingRecheckInterval: "1h"))
            _ = try await hourly.runCycle()
            let before = try #require(try hourly.store.nextParkedRecheck(provider: .performchat))
            #expect(before > Date().timeIntervalSince1970 + 3000)

            // When the service runs with a 10-minute interval
            let engine = try f.engine(EngineOptions(commBox: false))
            _ = try await engine.runCycle()
            // (measured after the cycle: on a loaded machine it may itself take seconds)
            let end = Date().timeIntervalSince1970

            // Then the re-check is due within 10 minutes of that cycle
            let after = try #require(try engine.store.nextParkedRecheck(provider: .performchat))
            #expect(after <= end + 600)
            #expect(after < before)
        }
    }
}
