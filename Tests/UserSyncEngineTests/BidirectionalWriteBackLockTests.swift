import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// Write-back into a SQLite source whose application holds the write lock: the cycle goes on,
/// the accepted change is kept and written once the lock is free, never lost.
@Suite("Bidirectional sync: write-back against a locked SQLite source", .serialized)
struct BidirectionalWriteBackLockTests {
    /// The write-back's busy timeout (`WriteBackOptions.busyTimeout`'s default: the engine
    /// does not override it).
    static let busyTimeout = 5.0

    /// 6a. The application keeps its write transaction open longer than the busy timeout.
    @Test(.timeLimit(.minutes(1)))
    func lockHeldPastTheBusyTimeoutKeepsTheChangeForALaterCycle() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .sqlite)
            let engine = try await f.establish(BiUser.pair, options)
            try f.editAtPerformChat("u1", name: "Ada King", metadata: ["country": "FR"])

            let holder = SQLiteLockHolder(path: f.databasePath, holdAtMost: 40)
            try await holder.waitUntilAcquired()
            #expect(holder.error == nil)
            let started = Date()
            let locked = try await engine.runCycle()  // must not throw
            let waited = Date().timeIntervalSince(started)
            #expect(waited >= Self.busyTimeout - 0.5, "the write-back gave up before its busy timeout")
            #expect(!holder.isDone, "the lock must still be held when the cycle ends")
            #expect(locked.remoteChanges == 2)

            // Kept, not written, not lost.
            let pending = try engine.store.acceptedChanges(pendingOnly: true)
            #expect(Set(pending.map(\.change.field)) == ["name", "metadata.country"])
            #expect(pending.allSatisfy { $0.change.externalID == "u1" && $0.change.provider == .performchat })
            holder.release()
            try await holder.waitUntilDone()
            #expect(holder.error == nil)
            var rows = try f.databaseRows()
            #expect(rows["u1"]?.name == "Ada Lovelace")
            #expect(rows["u1"]?.metadataObject == BiUser.ada.metadata)
            #expect(rows["u2"]?.note == "written by the application")
            // The rest of the cycle went on: CommBox already has the edit (the change is laid
            // over the source until it is written).
            let edited = BiUser(id: "u1", name: "Ada King", email: "ada@example.com", metadata: ["plan": "free", "country": "FR"])
            f.expectAtCommBox(edited, content: options.content)

            // Lock released: the next cycle writes it.
            let next = try await engine.runCycle()
            #expect(next.remoteChanges == 0)
            rows = try f.databaseRows()
            #expect(rows["u1"]?.name == "Ada King")
            #expect(rows["u1"]?.metadataObject == edited.metadata)
            #expect(rows["u1"]?.note == BiUser.ada.note)
            #expect(rows["u2"]?.note == "written by the application")
            #expect(try engine.store.acceptedChanges(pendingOnly: true).isEmpty)

            // Once the source holds it, the change is forgotten, and nothing is sent for it.
            f.sandbox.resetRequests()
            _ = try await f.cycles(engine, 2)
            #expect(try engine.store.acceptedChanges().isEmpty)
            #expect(f.writes.performChat == 0 && f.writes.commBox == 0)
            f.expectAtPerformChat(edited)
            f.expectAtCommBox(edited, content: options.content)
        }
    }

    /// 6b. The application commits within the busy timeout: the write-back waits for it and
    ///     succeeds in the same cycle.
    @Test(.timeLimit(.minutes(1)))
    func lockReleasedWithinTheBusyTimeoutIsWaitedFor() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .sqlite)
            let engine = try await f.establish(BiUser.pair, options)
            try f.editAtPerformChat("u1", name: "Ada King")

            let holder = SQLiteLockHolder(path: f.databasePath, holdAtMost: 1.0)
            try await holder.waitUntilAcquired()
            #expect(holder.error == nil)
            let report = try await engine.runCycle()
            let cycleEnded = Date()
            try await holder.waitUntilDone()
            #expect(holder.error == nil)
            #expect(holder.heldSeconds >= 0.9)
            // The write-back that succeeded in this cycle finished after the application's commit.
            #expect(holder.committedAt.map { cycleEnded >= $0 } == true)
            #expect(report.remoteChanges == 1)

            let rows = try f.databaseRows()
            #expect(rows["u1"]?.name == "Ada King")
            #expect(rows["u2"]?.note == "written by the application")
            #expect(try engine.store.acceptedChanges(pendingOnly: true).isEmpty)
            var edited = BiUser.ada
            edited.name = "Ada King"
            if f.commBox("u1")?.lastName != "King" { try await engine.runCycle() }
            f.expectAtCommBox(edited, content: options.content)
        }
    }
}
