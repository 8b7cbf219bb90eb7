import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

@Suite("Dry runs write nothing; rejected rows cost nothing")
struct DryRunAndRejectionTests {
    /// Every file of the state directory with its bytes (nil when the directory is absent).
    static func snapshot(of directory: String) throws -> [String: Data]? {
        guard FileManager.default.fileExists(atPath: directory) else { return nil }
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
        }
        return files
    }

    static func modificationDate(_ path: String) throws -> Date? {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
    }

    /// Runs one real cycle with an engine that is gone when this returns (its connections closed).
    static func syncOnce(_ f: EngineFixture, _ options: EngineOptions = EngineOptions()) async throws -> CycleReport {
        let engine = try f.engine(options)
        return try await engine.runCycle()
    }

    @Test func aDryRunLeavesAnExistingStateFileByteForByteIdenticalAndSendsNothing() async throws {
        try await withEngineFixture { f in
            var users = (1...20).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.seedCommBox(users)
            try f.writeSource(users)
            let first = try await Self.syncOnce(f)
            #expect(first.pushed == 40)

            for n in 0..<5 { users[n] = SourceUser.numbered(n + 1, version: 2) }
            try f.writeSource(users)
            f.sandbox.resetRequests()
            let before = try #require(try Self.snapshot(of: f.stateDirectory))
            let modifiedBefore = try Self.modificationDate(f.statePath)
            // Once the engine is gone its WAL is checkpointed away: only the database file is left.
            #expect(before.keys.sorted() == ["state.db"])

            let report = try SyncEngine.dryRun(options: SyncEngine.Options(f.configuration()), logger: EngineFixture.logger)

            #expect(report.dryRun)
            #expect(report.plan.summary.providers[.performchat]?.updated == 5)
            #expect(report.plan.summary.providers[.commbox]?.updated == 5)
            #expect(report.plan.summary.unchanged == 15)
            #expect(report.dispatch.isEmpty)
            #expect(report.text.hasPrefix("Dry run: nothing was written and nothing was sent."))
            let after = try #require(try Self.snapshot(of: f.stateDirectory))
            // The database file is untouched, byte for byte and in its modification time.
            #expect(after["state.db"] == before["state.db"])
            #expect(try Self.modificationDate(f.statePath) == modifiedBefore)
            // What is true today: SQLite's read-only connection to a WAL database creates
            // state.db-wal and state.db-shm when they are absent, and leaves them behind (see the
            // disabled test below). Nothing is written into them: the WAL stays empty.
            #expect(after["state.db-wal"].map(\.isEmpty) ?? true)
            #expect(f.counts.performChat.total == 0)
            #expect(f.counts.commBox.total == 0)

            // And the next real cycle still has the whole change to send.
            let real = try await Self.syncOnce(f)
            #expect(real.pushed == 10)
        }
    }

    /// README: "`--dry-run` ... opens the state read-only (or not at all), writes nothing": no
    /// empty state.db-wal or state.db-shm either, which an operator's `sudo usersync sync
    /// --once --dry-run` next to a stopped service would leave root-owned.
    @Test
    func aDryRunCreatesNoWalOrShmFiles() async throws {
        try await withEngineFixture { f in
            let users = (1...3).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            _ = try await Self.syncOnce(f, EngineOptions(commBox: false))
            let before = try #require(try Self.snapshot(of: f.stateDirectory))
            _ = try SyncEngine.dryRun(options: SyncEngine.Options(f.configuration(EngineOptions(commBox: false))), logger: EngineFixture.logger)
            let after = try #require(try Self.snapshot(of: f.stateDirectory))
            #expect(after.keys.sorted() == before.keys.sorted())
        }
    }

    @Test func aDryRunNextToARunningEngineChangesNothingEither() async throws {
        try await withEngineFixture { f in
            var users = (1...10).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let engine = try f.engine(EngineOptions(commBox: false))
            _ = try await engine.runCycle()
            users[0].name = "Someone Else"
            try f.writeSource(users)
            let outboxBefore = try engine.store.outboxCount()
            let runsBefore = try engine.store.recentRuns(limit: 100).count
            let fingerprintBefore = try engine.store.sourceFingerprint()
            f.sandbox.resetRequests()

            let report = try SyncEngine.dryRun(options: SyncEngine.Options(f.configuration(EngineOptions(commBox: false))), logger: EngineFixture.logger)

            #expect(report.plan.summary.providers[.performchat]?.updated == 1)
            #expect(try engine.store.outboxCount() == outboxBefore)
            #expect(try engine.store.recentRuns(limit: 100).count == runsBefore)
            #expect(try engine.store.sourceFingerprint() == fingerprintBefore)
            #expect(f.counts.performChat.total == 0)
            // The dry run did not mark the source as seen: the engine still plans and sends the change.
            let real = try await engine.runCycle()
            #expect(!real.plan.skippedUnchanged)
            #expect(real.pushed == 1)
        }
    }

    @Test func aDryRunWithoutStateCreatesNoStateFile() async throws {
        try await withEngineFixture { f in
            let users = (1...5).map { SourceUser.numbered($0) }
            try f.writeSource(users)
            let report = try SyncEngine.dryRun(options: SyncEngine.Options(f.configuration()), logger: EngineFixture.logger)
            #expect(report.plan.summary.providers[.performchat]?.created == 5)
            #expect(report.plan.summary.providers[.commbox]?.created == 5)
            #expect(!FileManager.default.fileExists(atPath: f.statePath))
            #expect(!FileManager.default.fileExists(atPath: f.stateDirectory))
            #expect(f.counts.performChat.total + f.counts.commBox.total == 0)
        }
    }

    // MARK: local length limits

    static let overlong = SourceUser(
        id: "long", name: String(repeating: "x", count: 101) + " Lastname", email: "long@example.com", metadata: ["plan": "pro"])

    @Test func aRowOverCommBoxsLengthLimitIsRefusedForCommBoxAndStillReachesPerformChat() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat([Self.overlong])
            try f.seedCommBox([Self.overlong])
            try f.writeSource([Self.overlong])
            let engine = try f.engine()
            let report = try await engine.runCycle()
            #expect(report.plan.summary.rejectedByReason.isEmpty)
            #expect(report.plan.summary.providers[.commbox]?.refusedByReason == ["field_too_long": 1])
            #expect(report.plan.summary.providers[.commbox]?.total == 0)
            #expect(report.plan.summary.providers[.performchat]?.total == 1)
            #expect(report.plan.rejectionSamples["field_too_long"]?.first?.externalID == "long")
            #expect(report.plan.rejectionSamples["field_too_long"]?.first?.provider == .commbox)
            #expect(report.plan.rejectionSamples["field_too_long"]?.first?.reason.message.contains("FirstName") == true)
            #expect(report.text.contains("1 refused by this provider only (field_too_long 1)"), "\(report.text)")
            #expect(report.json["providers"]?["commbox"]?["refused_by_reason"]?["field_too_long"] == 1)
            #expect(report.exitCode == SyncExitStatus.ok)
            #expect(try engine.store.outboxCount() == 0)
            // CommBox: not one request. perform.chat: the user, with its long name.
            #expect(f.counts.commBox.total == 0)
            #expect(f.sandbox.performChatUser(externalID: "long")?.name == Self.overlong.name)
        }
    }

    @Test func aRejectedRowDoesNotStopTheOthers() async throws {
        try await withEngineFixture { f in
            let good = SourceUser.numbered(1)
            try f.seedPerformChat([good, Self.overlong])
            try f.seedCommBox([good, Self.overlong])
            try f.writeSource([good, Self.overlong])
            let options = EngineOptions()
            let engine = try f.engine(options)
            let report = try await engine.runCycle()
            #expect(report.plan.summary.providers[.commbox]?.refused == 1)
            #expect(report.pushed == 3)
            // At CommBox exactly what the good user costs (one lookup, one update), nothing for the other.
            #expect(f.counts.commBox.total == 2)
            #expect(!f.sandbox.requestLog().contains { $0.provider == .commBox && $0.path.contains("long") })
            f.expectPerformChatMatches([good])
            f.expectCommBoxMatches([good], content: options.content)
        }
    }

    @Test func theDryRunReportsTheOverlongRowToo() async throws {
        try await withEngineFixture { f in
            try f.writeSource([Self.overlong, SourceUser.numbered(1)])
            let report = try SyncEngine.dryRun(options: SyncEngine.Options(f.configuration()), logger: EngineFixture.logger)
            #expect(report.plan.summary.providers[.commbox]?.refusedByReason == ["field_too_long": 1])
            #expect(report.text.contains("commbox: 1 new, 0 changed, 1 refused by this provider only (field_too_long 1)"), "\(report.text)")
            #expect(f.counts.performChat.total + f.counts.commBox.total == 0)
        }
    }

    @Test func theLengthLimitOnlyMattersWhenCommBoxIsEnabled() async throws {
        try await withEngineFixture { f in
            try f.seedPerformChat([Self.overlong])
            try f.writeSource([Self.overlong])
            let report = try await Self.syncOnce(f, EngineOptions(commBox: false))
            #expect(report.plan.summary.rejected == 0)
            #expect(report.pushed == 1)
        }
    }
}
