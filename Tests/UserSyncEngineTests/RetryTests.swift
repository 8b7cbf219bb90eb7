import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

@Suite("Retries: Retry-After, backoff, giving up")
struct RetryTests {
    static let users = (1...5).map { SourceUser.numbered($0) }

    @Test func aRetryAfterFromTheProviderIsHonoured() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat(Self.users)
            try f.writeSource(Self.users)
            f.sandbox.setFaults(SandboxFaults(script: [429], retryAfter: "5"), for: .performChat)
            let engine = try f.engine(EngineOptions(commBox: false))
            let started = Date().timeIntervalSince1970
            let first = try await engine.runCycle()

            #expect(first.dispatch[.performchat]?.retrying == 5)
            let held = try #require(first.dispatch[.performchat]?.heldUntil)
            #expect(held >= started + 4.9)
            let items = try engine.store.outboxItems(provider: .performchat)
            #expect(items.count == 5)
            for item in items {
                #expect(item.lastStatus == 429)
                #expect(item.notBefore >= started + 4.9)
            }
            #expect(f.counts.performChat.total == 1)

            // Before the time is up, nothing is sent (checked only when this cycle did end before
            // it: a loaded machine may take seconds to get here).
            let early = try await engine.runCycle()
            if Date().timeIntervalSince1970 < held {
                #expect(early.pushed == 0)
                #expect(f.counts.performChat.total == 1)
            }

            try await Task.sleep(for: .milliseconds(max(0, Int((held - Date().timeIntervalSince1970) * 1000)) + 100))
            let late = try await engine.runCycle()
            // Once the time is up everything goes out: in this cycle, or already in the one
            // above when a loaded machine ran it past the time.
            let pushed = (early.dispatch[.performchat]?.pushed ?? 0) + (late.dispatch[.performchat]?.pushed ?? 0)
            #expect(pushed == 5)
            f.expectPerformChatMatches(Self.users)
        }
    }

    /// A poison change: failing while the others go through, it backs off alone and ends in
    /// the dead letters after its own attempts.
    @Test func retriesRunningOutMoveTheChangeToTheDeadLetters() async throws {
        try await withEngineFixture { f in
            try f.seedCommBox(Self.users)
            try f.writeSource(Self.users)
            var options = EngineOptions(performChat: false, maxAttempts: 2)
            options.concurrency = 1
            let engine = try f.engine(options)
            _ = try await engine.runCycle()
            // u1's update fails; the four others go through.
            f.sandbox.setFaults(SandboxFaults(script: [503, 200, 200, 200, 200]), for: .commBox)
            try f.writeSource((1...5).map { SourceUser.numbered($0, version: 2) })
            let first = try await engine.runCycle()
            #expect(first.dispatch[.commbox]?.retrying == 1)
            #expect(first.dispatch[.commbox]?.pushed == 4)
            #expect(first.exitCode == SyncExitStatus.retryPending)

            // max_delay is 200 ms in these tests. u1 fails again, alone: its second attempt.
            try await Task.sleep(for: .milliseconds(300))
            f.sandbox.setFaults(SandboxFaults(script: [503]), for: .commBox)
            let second = try await engine.runCycle()
            #expect(second.dispatch[.commbox]?.deadLettered == 1)
            #expect(second.dispatch[.commbox]?.circuit == nil, "one poison change opens no circuit")
            #expect(second.exitCode == SyncExitStatus.deadLettered)
            let dead = try engine.store.deadLetters(provider: .commbox)
            #expect(dead.map(\.externalID) == ["u1"])
            #expect(dead.first?.lastStatus == 503)
            #expect(dead.first?.attempts == 2)
            #expect(dead.first?.lastError.contains("gave up after 2 attempts") == true)
            #expect(try engine.store.outboxCount(provider: .commbox) == 0)

            // A new change in the source gives the user a fresh chance.
            f.sandbox.setFaults(.none, for: .commBox)
            var changed = (1...5).map { SourceUser.numbered($0, version: 2) }
            changed[0] = SourceUser.numbered(1, version: 3)
            try f.writeSource(changed)
            let third = try await engine.runCycle()
            #expect(third.dispatch[.commbox]?.pushed == 1)
            #expect(try engine.store.deadLetters(provider: .commbox).isEmpty)
        }
    }

    /// An outage: every change failing. The circuit opens after `open_after` changes, the
    /// provider gets one probe at a time, nothing is dead-lettered whatever max_attempts says,
    /// and delivery resumes at full rate once a probe goes through.
    @Test func anOutageOpensTheCircuitAndCostsNoChange() async throws {
        try await withEngineFixture { f in
            let users = (1...40).map { SourceUser.numbered($0) }
            try f.seedCommBox(users)
            try f.writeSource(users)
            var options = EngineOptions(performChat: false, maxAttempts: 2)
            options.concurrency = 4
            let engine = try f.engine(options)
            _ = try await engine.runCycle()
            f.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 503), for: .commBox)
            try f.writeSource((1...40).map { SourceUser.numbered($0, version: 2) })
            f.sandbox.resetRequests()
            let started = Date()
            var reports: [CycleReport] = []
            while Date().timeIntervalSince(started) < 2 {
                reports.append(try await engine.runCycle())
                try await Task.sleep(for: .milliseconds(20))
            }
            // The first cycle sends at most open_after (5) plus what was already in flight (4);
            // then at most one probe per wait (50 ms doubling to max_delay 200 ms): about 10 in 2 s.
            let duringOutage = f.counts.commBox.total
            #expect(duringOutage <= 5 + 4 + 14, "\(duringOutage) requests during a 2 s outage")
            #expect(reports.contains { $0.dispatch[.commbox]?.circuit != nil })
            #expect(try engine.store.deadLetters(provider: .commbox).isEmpty)
            #expect(try engine.store.outboxItems(provider: .commbox).allSatisfy { $0.attempts <= 1 })
            #expect(try engine.store.circuits()[.commbox] != nil, "kept in the state for the next process")

            // Recovery: within one probe wait the queue drains at full rate.
            f.sandbox.setFaults(.none, for: .commBox)
            let recovered = Date()
            while try engine.store.outboxCount(provider: .commbox) > 0 && Date().timeIntervalSince(recovered) < 5 {
                _ = try await engine.runCycle()
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try engine.store.outboxCount(provider: .commbox) == 0)
            #expect(Date().timeIntervalSince(recovered) < 4, "a probe wait (200 ms) and 40 requests, on a loaded machine")
            #expect(try engine.store.circuits()[.commbox] == nil)
            #expect(try engine.store.deadLetters(provider: .commbox).isEmpty)
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
