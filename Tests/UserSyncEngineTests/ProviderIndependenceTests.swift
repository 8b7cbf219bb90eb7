import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

@Suite("Each provider progresses on its own")
struct ProviderIndependenceTests {
    static let users = (1...20).map { SourceUser.numbered($0) }

    @Test func performChatFailingWith503DoesNotHoldUpCommBox() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat(Self.users)
            try f.seedCommBox(Self.users)
            try f.writeSource(Self.users)
            f.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: .performChat)
            let options = EngineOptions()
            let engine = try f.engine(options)
            let report = try await engine.runCycle()

            // CommBox: everything delivered.
            #expect(report.dispatch[.commbox]?.pushed == 20)
            #expect(try engine.store.outboxCount(provider: .commbox) == 0)
            #expect(try engine.store.remoteStateCount(provider: .commbox) == 20)
            f.expectCommBoxMatches(Self.users, content: options.content)

            // perform.chat: nothing delivered, everything still queued with the provider's last word.
            #expect(report.dispatch[.performchat]?.pushed == 0)
            #expect(report.dispatch[.performchat]?.retrying == 20)
            #expect(report.dispatch[.performchat]?.pausedReason == nil)
            let queued = try engine.store.outboxItems(provider: .performchat)
            #expect(queued.count == 20)
            for item in queued {
                #expect(item.state == .pending)
                #expect(item.lastStatus == 503)
                #expect(item.lastError == "Service Unavailable")
                #expect(item.attempts <= 1)  // a failed lookup charges only the first user it answers for
            }
            #expect(try engine.store.deadLetters(provider: .performchat).isEmpty)
            #expect(report.exitCode == SyncExitStatus.retryPending)
            // One list request, tried again twice at once (a passing failure must not cost a
            // whole id mapping), then the provider is left alone until its backoff ends.
            #expect(f.counts.performChat.total == 3)
            #expect(f.sandbox.performChatUsers().allSatisfy { $0.name?.hasPrefix("Stale") == true })
        }
    }

    @Test func performChatRecoversOnALaterCycle() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat(Self.users)
            try f.writeSource(Self.users)
            // The list page fails three times in a row: the ids wait for the next cycle.
            f.sandbox.setFaults(SandboxFaults(script: [503, 503, 503]), for: .performChat)
            let engine = try f.engine(EngineOptions(commBox: false))
            let first = try await engine.runCycle()
            #expect(first.dispatch[.performchat]?.retrying == 20)
            // The retry delays are at most max_delay (200 ms) in these tests.
            try await Task.sleep(for: .milliseconds(400))
            let second = try await engine.runCycle()
            #expect(second.plan.skippedUnchanged)
            #expect(second.dispatch[.performchat]?.pushed == 20)
            #expect(try engine.store.outboxCount(provider: .performchat) == 0)
            f.expectPerformChatMatches(Self.users)
        }
    }

    @Test func refusedPerformChatCredentialsPauseItWhileCommBoxSyncs() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat(Self.users)
            try f.seedCommBox(Self.users)
            try f.writeSource(Self.users)
            f.sandbox.setCredentials(SandboxCredentials(performChatKeySecret: "rotated-secret"))
            let options = EngineOptions()
            let engine = try f.engine(options)
            let report = try await engine.runCycle()

            let reason = try #require(report.dispatch[.performchat]?.pausedReason)
            #expect(reason.contains("401"))
            #expect(report.dispatch[.performchat]?.pushed == 0)
            #expect(report.exitCode == SyncExitStatus.providerUnavailable)
            #expect(report.text.contains("PAUSED"))
            // The one request that learned about the 401, and nothing after it.
            #expect(f.counts.performChat.total == 1)
            #expect(f.counts.performChat.status(401) == 1)
            // Nothing was lost: every perform.chat change is still queued, none dead-lettered.
            #expect(try engine.store.outboxCount(provider: .performchat) == 20)
            #expect(try engine.store.deadLetters(provider: .performchat).isEmpty)

            #expect(report.dispatch[.commbox]?.pushed == 20)
            #expect(try engine.store.outboxCount(provider: .commbox) == 0)
            f.expectCommBoxMatches(Self.users, content: options.content)

            // While paused (probe interval 5 m), later cycles send perform.chat nothing at all.
            f.sandbox.resetRequests()
            let again = try await engine.runCycle(forcePlan: true)
            #expect(again.dispatch[.performchat]?.pausedReason != nil)
            #expect(f.counts.performChat.total == 0)
        }
    }

    /// With ids already known, a batch of updates is sent concurrently; when the first answer
    /// is a 401 the rest of the batch must not follow (perform.chat locks a key out after 10
    /// failed authentications in 5 minutes). With concurrency 1 nothing is in flight when the
    /// 401 arrives, so at most one more request may be made after it.
    @Test func atMostOneRequestFollowsA401WhenIDsAreKnown() async throws {
        try await withEngineFixture { f in
            var users = Self.users
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let options = EngineOptions(commBox: false, performChatConcurrency: 1)
            let engine = try f.engine(options)
            _ = try await engine.runCycle()
            #expect(try engine.store.idMappingCount(provider: .performchat) == 20)

            for n in users.indices { users[n] = SourceUser.numbered(n + 1, version: 2) }
            try f.writeSource(users)
            f.sandbox.resetRequests()
            f.sandbox.setCredentials(SandboxCredentials(performChatKeySecret: "rotated-secret"))
            let report = try await engine.runCycle()

            #expect(report.dispatch[.performchat]?.pausedReason != nil)
            #expect(f.counts.performChat.total <= 2, "perform.chat requests after the 401: \(f.counts.performChat.total - 1)")
            #expect(try engine.store.outboxCount(provider: .performchat) == 20)
        }
    }

    /// With concurrency 4, the requests already in flight when the 401 arrives may still be
    /// answered, but nothing new is started: at most `concurrency` refused logins per cycle.
    @Test func aRefusedKeyWithKnownIDsCostsAtMostOneRequestPerConcurrentSlot() async throws {
        try await withEngineFixture { f in
            var users = Self.users
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let engine = try f.engine(EngineOptions(commBox: false, performChatConcurrency: 4))
            _ = try await engine.runCycle()
            for n in users.indices { users[n] = SourceUser.numbered(n + 1, version: 2) }
            try f.writeSource(users)
            f.sandbox.resetRequests()
            f.sandbox.setCredentials(SandboxCredentials(performChatKeySecret: "rotated-secret"))
            let report = try await engine.runCycle()
            #expect(report.dispatch[.performchat]?.pausedReason != nil)
            #expect(f.counts.performChat.total <= 4)
            // Nothing was lost: the changes wait for the credentials to be fixed.
            #expect(try engine.store.outboxCount(provider: .performchat) == 20)
            #expect(try engine.store.deadLetters(provider: .performchat).isEmpty)
            #expect(try engine.store.outboxItems(provider: .performchat).allSatisfy { $0.attempts == 0 || $0.lastStatus == 401 })
        }
    }

    /// A 429 with Retry-After means "wait": with concurrency 1, the first answer arrives before
    /// anything else is sent, so nothing else should be sent this cycle.
    @Test func aThrottledProviderIsNotSentTheRestOfTheBatch() async throws {
        try await withEngineFixture { f in
            var users = Self.users
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let engine = try f.engine(EngineOptions(commBox: false, performChatConcurrency: 1))
            _ = try await engine.runCycle()
            for n in users.indices { users[n] = SourceUser.numbered(n + 1, version: 2) }
            try f.writeSource(users)
            f.sandbox.resetRequests()
            f.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 429, retryAfter: "30"), for: .performChat)
            let report = try await engine.runCycle()
            #expect(f.counts.performChat.total == 1, "requests sent into a 429: \(f.counts.performChat.total)")
            #expect(report.dispatch[.performchat]?.heldUntil != nil)
            #expect(try engine.store.outboxCount(provider: .performchat) == 20)
        }
    }

    @Test func commBoxFailingDoesNotHoldUpPerformChat() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat(Self.users)
            try f.seedCommBox(Self.users)
            try f.writeSource(Self.users)
            f.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 500), for: .commBox)
            let engine = try f.engine()
            let report = try await engine.runCycle()
            #expect(report.dispatch[.performchat]?.pushed == 20)
            f.expectPerformChatMatches(Self.users)
            #expect(report.dispatch[.commbox]?.pushed == 0)
            #expect(try engine.store.outboxCount(provider: .commbox) == 20)
            #expect(try engine.store.outboxItems(provider: .commbox).allSatisfy { $0.lastStatus == 500 })
        }
    }
}
