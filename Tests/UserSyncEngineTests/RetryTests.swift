import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncSandbox
import UserSyncStore

@Suite("Retries: Retry-After, backoff, giving up")
struct RetryTests {
    static let users = (1...5).map { SourceUser.numbered($0) }

    @Test func aRetryAfterFromTheProviderIsHonoured() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat(Self.users)
            try f.writeSource(Self.users)
            f.sandbox.setFaults(SandboxFaults(script: [429], retryAfter: "3"), for: .performChat)
            let engine = try f.engine(EngineOptions(commBox: false))
            let started = Date().timeIntervalSince1970
            let first = try await engine.runCycle()

            #expect(first.dispatch[.performchat]?.retrying == 5)
            let held = try #require(first.dispatch[.performchat]?.heldUntil)
            #expect(held >= started + 2.9)
            let items = try engine.store.outboxItems(provider: .performchat)
            #expect(items.count == 5)
            for item in items {
                #expect(item.lastStatus == 429)
                #expect(item.notBefore >= started + 2.9)
            }
            #expect(f.counts.performChat.total == 1)

            // Before the time is up, nothing is sent.
            let early = try await engine.runCycle()
            #expect(early.pushed == 0)
            #expect(f.counts.performChat.total == 1)

            try await Task.sleep(for: .milliseconds(Int((held - Date().timeIntervalSince1970) * 1000) + 100))
            let late = try await engine.runCycle()
            #expect(late.dispatch[.performchat]?.pushed == 5)
            f.expectPerformChatMatches(Self.users)
        }
    }

    @Test func retriesRunningOutMoveTheChangeToTheDeadLetters() async throws {
        try await withEngineFixture { f in
            try f.seedCommBox(Self.users)
            try f.writeSource(Self.users)
            let engine = try f.engine(EngineOptions(performChat: false, maxAttempts: 2))
            // Ids are learned first: a failed lookup charges only the first user it answers
            // for, while every failed push is charged to its own user.
            _ = try await engine.runCycle()
            f.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: .commBox)
            try f.writeSource((1...5).map { SourceUser.numbered($0, version: 2) })
            let first = try await engine.runCycle()
            #expect(first.dispatch[.commbox]?.retrying == 5)
            #expect(first.exitCode == SyncExitStatus.retryPending)

            // max_delay is 200 ms in these tests.
            try await Task.sleep(for: .milliseconds(300))
            let second = try await engine.runCycle()
            #expect(second.dispatch[.commbox]?.deadLettered == 5)
            #expect(second.exitCode == SyncExitStatus.deadLettered)
            let dead = try engine.store.deadLetters(provider: .commbox)
            #expect(dead.count == 5)
            for letter in dead {
                #expect(letter.lastStatus == 503)
                #expect(letter.attempts == 2)
                #expect(letter.lastError.contains("gave up after 2 attempts"))
            }
            #expect(try engine.store.outboxCount(provider: .commbox) == 0)

            // A new change in the source gives the user a fresh chance.
            f.sandbox.setFaults(.none, for: .commBox)
            var changed = (1...5).map { SourceUser.numbered($0, version: 2) }
            changed[0] = SourceUser.numbered(1, version: 3)
            try f.writeSource(changed)
            let third = try await engine.runCycle()
            #expect(third.dispatch[.commbox]?.pushed == 1)
            #expect(try engine.store.deadLetters(provider: .commbox).count == 4)
        }
    }

    @Test func aDroppedConnectionIsRetriedAndThenDelivered() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat(Self.users)
            try f.seedCommBox(Self.users)
            try f.writeSource(Self.users)
            // perform.chat: the list answers, then the first PUT's connection is dropped.
            f.sandbox.setFaults(SandboxFaults(script: [200, .drop]), for: .performChat)
            let engine = try f.engine()
            let first = try await engine.runCycle()
            #expect(first.dispatch[.commbox]?.pushed == 5)
            #expect(first.dispatch[.performchat]?.retrying ?? 0 >= 1)
            let failed = try engine.store.outboxItems(provider: .performchat).filter { $0.attempts > 0 }
            #expect(failed.count >= 1)
            #expect(failed.allSatisfy { $0.lastStatus == nil && ($0.lastError ?? "").contains("connection") })
            try await Task.sleep(for: .milliseconds(300))
            _ = try await engine.runCycle()
            #expect(try engine.store.outboxCount() == 0)
            f.expectPerformChatMatches(Self.users)
        }
    }
}
