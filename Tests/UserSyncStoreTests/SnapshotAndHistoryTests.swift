import Testing
import UserSyncCore
@testable import UserSyncStore

@Suite("StateStore: snapshot, id map, runs")
struct SnapshotAndHistoryTests {
    // MARK: Snapshot digests

    @Test func snapshotStreamsConfirmedThenDeadThenQueuedSoTheQueuedWins() throws {
        try withStore { store in
            let v1 = change("ada", name: "Ada")
            try store.enqueue([v1], now: 100)
            try store.acknowledge(try #require(try store.item("ada")), providerUserID: "pc-1", now: 110)
            let v2 = change("ada", kind: .update, name: "Ada King")
            try store.enqueue([v2], now: 120)
            // Both are streamed, the confirmed one first.
            #expect(try store.snapshotStream() == ["performchat/ada=\(v1.digest!)", "performchat/ada=\(v2.digest!)"])
            #expect(try store.snapshotDigests() == ["performchat/ada": v2.digest!])
        }
    }

    @Test func snapshotCoversEveryProviderAndTable() throws {
        try withStore { store in
            let confirmed = change("ada")
            let dead = change("bob")
            let queued = change("cy", provider: .commbox)
            try store.enqueue([confirmed, dead, queued], now: 100)
            try store.acknowledge(try #require(try store.item("ada")), providerUserID: nil, now: 110)
            try store.deadLetter(try #require(try store.item("bob")), status: 400, message: "bad", now: 110)
            #expect(try store.snapshotDigests() == [
                "performchat/ada": confirmed.digest!, "performchat/bob": dead.digest!, "commbox/cy": queued.digest!,
            ])
        }
    }

    @Test func snapshotDigestsSurviveTheSignedStorage() throws {
        // Digests with the top bit set are stored as negative integers.
        try withStore { store in
            let document: JSONValue = ["n": 1]
            let digest = DocumentDigest(rawValue: 0xF000_0000_0000_0001)
            let planned = PlannedChange(
                provider: .performchat, externalID: "ada", kind: .create, document: document, digest: digest,
                record: UserRecord(externalID: "ada"))
            try store.enqueue([planned], now: 100)
            #expect(try store.snapshotDigests() == ["performchat/ada": digest])
            #expect(try store.item("ada")?.digest == digest)
        }
    }

    @Test func aPlannerFedFromTheSnapshotIsQuietAfterEnqueue() throws {
        // The whole loop: plan, enqueue, stream the snapshot into the next plan.
        try withStore { store in
            let projector = EchoProjector()
            let rows: [SourceItem] = ["ada", "bob"].enumerated().map { index, id in
                .row(SourceRow(location: SourceLocation(.line, index + 1), columns: ["id": .string(id), "name": "N", "metadata": ["k": .number("1.5")]]))
            }
            func plan() throws -> (changes: [PlannedChange], summary: PlanSummary) {
                var planner = Planner(projectors: [projector], mapping: FieldMapping(), deletions: .report)
                try store.forEachSnapshotDigest { provider, id, digest in planner.remember(provider: provider, externalID: id, digest: digest) }
                var changes: [PlannedChange] = []
                for row in rows {
                    planner.consider(row) { if case .change(let change) = $0 { changes.append(change) } }
                }
                let summary = planner.finish { if case .change(let change) = $0 { changes.append(change) } }
                return (changes, summary)
            }
            let first = try plan()
            #expect(first.changes.map(\.kind) == [.create, .create])
            try store.enqueue(first.changes, now: 100)
            let second = try plan()
            #expect(second.changes.isEmpty)
            #expect(second.summary.unchanged == 2)
            for item in try store.dueItems(provider: projector.provider, now: 100) {
                try store.acknowledge(item, providerUserID: "p-\(item.externalID)", now: 110)
            }
            #expect(try plan().changes.isEmpty, "still quiet once confirmed")
        }
    }

    // MARK: Id map

    @Test func idMappings() throws {
        try withStore { store in
            try store.storeIDMappings(provider: .commbox, [("ada", "1"), ("bob", "2")], now: 100)
            try store.storeIDMappings(provider: .commbox, [], now: 100)
            try store.storeIDMappings(provider: .performchat, [("ada", "pc-1")], now: 100)
            #expect(try store.providerUserID(provider: .commbox, externalID: "ada") == "1")
            #expect(try store.providerUserID(provider: .performchat, externalID: "ada") == "pc-1")
            #expect(try store.idMappingCount(provider: .commbox) == 2)

            try store.storeIDMappings(provider: .commbox, [("ada", "3")], now: 200)
            #expect(try store.providerUserID(provider: .commbox, externalID: "ada") == "3")
            #expect(try store.idMappingCount(provider: .commbox) == 2)

            try store.dropIDMapping(provider: .commbox, externalID: "ada")
            #expect(try store.providerUserID(provider: .commbox, externalID: "ada") == nil)
            #expect(try store.providerUserID(provider: .performchat, externalID: "ada") == "pc-1")
            #expect(try store.idMappingCount(provider: .commbox) == 1)
        }
    }

    // MARK: Runs

    @Test func runsRoundTripNewestFirst() throws {
        try withStore { store in
            let first = try store.recordRun(startedAt: 1, finishedAt: 2, mode: "once", summary: ["rows": 10, "rate": .number("1.5")])
            let second = try store.recordRun(startedAt: 3, finishedAt: 4, mode: "daemon", summary: ["rows": 11])
            #expect(second > first)
            let runs = try store.recentRuns()
            #expect(runs.map(\.id) == [second, first])
            #expect(runs.last?.summary == ["rows": 10, "rate": .number("1.5")])
            #expect(runs.last?.mode == "once")
            #expect(runs.last?.startedAt == 1 && runs.last?.finishedAt == 2)
            #expect(try store.recentRuns(limit: 1).map(\.id) == [second])
        }
    }

    @Test func theLastSourceReadIsFoundBehindIdleCycles() throws {
        try withStore { store in
            #expect(try store.lastSourceRead() == nil)
            try store.recordRun(startedAt: 1, finishedAt: 2, mode: "daemon", summary: ["rows": 6, "source_unchanged": false])
            let read = try store.recordRun(startedAt: 3, finishedAt: 4, mode: "daemon", summary: ["rows": 7])
            for i in 0..<20 {
                try store.recordRun(startedAt: Double(5 + i), finishedAt: Double(5 + i), mode: "daemon", summary: ["source_unchanged": true])
            }
            try store.recordRun(startedAt: 30, finishedAt: 30, mode: "daemon", summary: ["source_being_written": true])
            #expect(try store.lastSourceRead()?.id == read)
            #expect(try store.lastSourceRead()?.summary == ["rows": 7])
        }
    }

    @Test func runHistoryIsTrimmedToTheLastThousand() throws {
        try withStore { store in
            var last: Int64 = 0
            for i in 0..<1_005 {
                last = try store.recordRun(startedAt: Double(i), finishedAt: Double(i), mode: "daemon", summary: ["i": JSONValue(i)])
            }
            let runs = try store.recentRuns(limit: 5_000)
            #expect(runs.count == 1_000)
            #expect(runs.first?.id == last)
            #expect(runs.last?.summary == ["i": 5])
        }
    }

    // MARK: Source fingerprint

    @Test func sourceFingerprint() throws {
        try withStore { store in
            #expect(try store.sourceFingerprint() == nil)
            try store.setSourceFingerprint("size=10;mtime=1")
            try store.setSourceFingerprint("size=11;mtime=2")
            #expect(try store.sourceFingerprint() == "size=11;mtime=2")
            try store.setSourceFingerprint(nil)
            #expect(try store.sourceFingerprint() == nil)
        }
    }

    @Test func integrityCheckSaysOK() throws {
        try withStore { store in
            try store.enqueue((0..<50).map { change("u\($0)") }, now: 100)
            #expect(try store.integrityCheck() == "ok")
        }
    }
}

/// Sends the whole record document: enough for the store round trip.
private struct EchoProjector: ProviderProjector {
    let provider: ProviderID = "echo"
    func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason> { .success(record.document) }
}
