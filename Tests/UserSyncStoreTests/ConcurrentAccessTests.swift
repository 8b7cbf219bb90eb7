import Dispatch
import Foundation
import Synchronization
import Testing
import UserSyncCore
@testable import UserSyncStore

@Suite("StateStore: concurrent connections")
struct ConcurrentAccessTests {
    /// Runs `body` on a GCD thread; `wait()` returns what it threw, if anything.
    final class Background: Sendable {
        private let group = DispatchGroup()
        private let failure = Mutex<(any Error)?>(nil)

        init(_ body: @escaping @Sendable () throws -> Void) {
            DispatchQueue.global().async(group: group) { [self] in
                do { try body() } catch { self.failure.withLock { $0 = error } }
            }
        }

        var isRunning: Bool { group.wait(timeout: .now()) == .timedOut }

        func wait() -> (any Error)? {
            group.wait()
            return failure.withLock { $0 }
        }
    }

    @Test func aSecondStoreReadsWhileTheFirstWrites() throws {
        try withTemporaryDirectory { root in
            let path = root + "/state.db"
            let daemon = try StateStore.open(path: path)
            let status = try StateStore.open(path: path)
            let rounds = 200

            // Given the daemon enqueueing, acknowledging and recording runs in a loop
            let writer = Background {
                for i in 0..<rounds {
                    try daemon.enqueue([change("u\(i)"), change("u\(i)", provider: .commbox)], now: Double(i))
                    if let item = try daemon.dueItems(provider: .commbox, now: Double(i), limit: 1).first {
                        try daemon.acknowledge(item, providerUserID: "c\(i)", now: Double(i))
                    }
                    try daemon.recordRun(startedAt: Double(i), finishedAt: Double(i), mode: "daemon", summary: ["i": JSONValue(i)])
                }
            }
            // When a second store reads everything `status` shows, meanwhile
            var reads = 0
            var lastCount = 0
            repeat {
                let count = try status.outboxCount(provider: .performchat)
                #expect(count >= lastCount, "committed rows never vanish from the reader's view")
                lastCount = count
                _ = try status.snapshotDigests()
                _ = try status.recentRuns(limit: 5)
                _ = try status.remoteStateCount(provider: .commbox)
                reads += 1
                usleep(200)  // leave the writer some CPU on a two-core machine
            } while writer.isRunning
            // Then neither side failed, and the reader sees the end state
            #expect(writer.wait() == nil)
            #expect(reads > 1)
            #expect(try status.outboxCount(provider: .performchat) == rounds)
            #expect(try status.remoteStateCount(provider: .commbox) == rounds)
            #expect(try status.recentRuns(limit: 1).first?.summary == ["i": JSONValue(rounds - 1)])
            #expect(try status.integrityCheck() == "ok")
        }
    }

    @Test func aReadOnlyStoreReadsWhileTheDaemonWrites() throws {
        try withTemporaryDirectory { root in
            let path = root + "/state.db"
            let daemon = try StateStore.open(path: path)
            let status = try #require(try StateStore.openReadOnly(path: path))
            let writer = Background {
                for i in 0..<100 { try daemon.enqueue([change("u\(i)")], now: Double(i)) }
            }
            repeat {
                _ = try status.outboxCount()
                usleep(200)
            } while writer.isRunning
            #expect(writer.wait() == nil)
            #expect(try status.outboxCount() == 100)
        }
    }

    @Test func twoWritersNeverFailWithBusy() throws {
        // `usersync queue retry` while the daemon runs: both write, the busy timeout serialises them.
        try withTemporaryDirectory { root in
            let path = root + "/state.db"
            let a = try StateStore.open(path: path)
            let b = try StateStore.open(path: path)
            let first = Background { for i in 0..<100 { try a.enqueue([change("a\(i)")], now: 1) } }
            let second = Background { for i in 0..<100 { try b.enqueue([change("b\(i)")], now: 1) } }
            #expect(first.wait() == nil)
            #expect(second.wait() == nil)
            #expect(try a.outboxCount() == 200)
        }
    }
}
