import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// Remote edits flowing back: into the local side (a SQLite row, or the inbound changes file
/// of a JSONL source) and on to the other provider; our own pushes never coming back as
/// edits; `sync.direction` keeping each way shut when asked.
@Suite("Bidirectional sync: remote edits flow back and on")
struct BidirectionalPullTests {
    /// 1. perform.chat edit (name, one metadata key) → UPDATE of the SQLite row (only those
    ///    columns) → CommBox (FirstName/LastName, Content), without echoing back to perform.chat.
    @Test(.timeLimit(.minutes(1)))
    func performChatEditIsWrittenIntoTheSQLiteRowAndPushedOnToCommBox() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .sqlite)
            let engine = try await f.establish(BiUser.pair, options)
            let before = try f.databaseRows()

            try f.editAtPerformChat("u1", name: "Ada King", metadata: ["country": "FR"])
            f.sandbox.resetRequests()
            let report = try await engine.runCycle()
            #expect(report.remoteChanges == 2)
            #expect(report.conflicts == 0)

            // The row: name and metadata updated, nothing else; the other user untouched.
            let rows = try f.databaseRows()
            let ada = try #require(rows["u1"])
            #expect(ada.name == "Ada King")
            #expect(ada.metadataObject == ["plan": "free", "country": "FR"])
            #expect(ada.email == before["u1"]?.email)
            #expect(ada.note == before["u1"]?.note)
            #expect(rows["u2"] == before["u2"])
            #expect(try engine.store.acceptedChanges(pendingOnly: true).isEmpty)

            // On to CommBox, in this cycle or the next.
            if f.commBox("u1")?.lastName != "King" { try await engine.runCycle() }
            let edited = BiUser(id: "u1", name: "Ada King", email: "ada@example.com", metadata: ["plan": "free", "country": "FR"])
            f.expectAtCommBox(edited, content: options.content)
            f.expectAtCommBox(BiUser.bob, content: options.content)
            f.expectAtPerformChat(edited)
            // perform.chat already holds the edit: nothing is sent back to it; CommBox gets one update.
            #expect(f.writes.performChat == 0)
            #expect(f.writes.commBox == 1)
            #expect(try engine.store.outboxCount() == 0)
            #expect(try engine.store.conflicts(openOnly: false).isEmpty)
        }
    }

    /// 2. CommBox edit (e-mail, a mapped custom field) → the inbound changes file of a JSONL
    ///    source (the file itself byte-for-byte untouched) → perform.chat.
    @Test(.timeLimit(.minutes(1)))
    func commBoxEditGoesToTheInboundFileAndOnToPerformChat() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl)
            let engine = try await f.establish(BiUser.pair, options)
            let sourceBytes = try f.jsonlBytes()
            let sourceModified = try FileManager.default.attributesOfItem(atPath: f.jsonlPath)[.modificationDate] as? Date

            try f.editAtCommBox("u1", SandboxCommBoxChange(email: "ada.king@example.org", content: ["Plan": "pro"]))
            f.sandbox.resetRequests()
            let report = try await engine.runCycle()
            #expect(report.remoteChanges == 2)
            #expect(report.conflicts == 0)

            let lines = try f.inboundLines()
            #expect(lines.count == 2)
            let email = lines.first { $0["field"] == "email" }
            #expect(email?["provider"] == "commbox")
            #expect(email?["external_id"] == "u1")
            #expect(email?["old"] == "ada@example.com")
            #expect(email?["new"] == "ada.king@example.org")
            let plan = lines.first { $0["field"] == "metadata.plan" }
            #expect(plan?["provider"] == "commbox")
            #expect(plan?["old"] == "free")
            #expect(plan?["new"] == "pro")
            #expect(try f.jsonlBytes() == sourceBytes)
            #expect(try FileManager.default.attributesOfItem(atPath: f.jsonlPath)[.modificationDate] as? Date == sourceModified)

            if f.performChat("u1")?.email != "ada.king@example.org" { try await engine.runCycle() }
            let edited = BiUser(id: "u1", name: "Ada Lovelace", email: "ada.king@example.org", metadata: ["plan": "pro", "country": "UK"])
            f.expectAtPerformChat(edited)
            f.expectAtPerformChat(BiUser.bob)
            f.expectAtCommBox(edited, content: options.content)
            #expect(f.writes.performChat == 1)
            #expect(f.writes.commBox == 0)
            #expect(try f.jsonlBytes() == sourceBytes)
            #expect(try engine.store.outboxCount() == 0)
        }
    }

    /// CommBox holds the name in two fields: an edit of one of them comes back as the whole
    /// name (the other half as it was), and goes on to perform.chat.
    @Test(.timeLimit(.minutes(1)))
    func commBoxFirstNameEditComesBackAsTheWholeName() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl)
            let engine = try await f.establish(BiUser.pair, options)
            try f.editAtCommBox("u1", SandboxCommBoxChange(firstName: "Adaline"))
            let reports = try await f.cycles(engine, 2)
            #expect(reports.map(\.remoteChanges) == [1, 0])
            #expect(reports.allSatisfy { $0.conflicts == 0 })
            let lines = try f.inboundLines()
            #expect(lines.count == 1)
            #expect(lines.first?["field"] == "name")
            #expect(lines.first?["old"] == "Ada Lovelace")
            #expect(lines.first?["new"] == "Adaline Lovelace")
            var ada = BiUser.ada
            ada.name = "Adaline Lovelace"
            f.expectAtPerformChat(ada)
            f.expectAtCommBox(ada, content: options.content)
        }
    }

    /// CommBox is read one user per request within `pull_budget`: with a budget of 1, the
    /// pulls take the mapped users in turn, so an edit of the second one is seen too.
    @Test(.timeLimit(.minutes(1)))
    func commBoxPullRotatesThroughTheMappedUsersWithinItsBudget() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl, pullBudget: 1)
            let engine = try await f.establish(BiUser.pair, options)
            try f.editAtCommBox("u2", SandboxCommBoxChange(content: ["Plan": "team"]))
            f.sandbox.resetRequests()
            let reports = try await f.cycles(engine, 3)
            let reads = f.sandbox.requestLog().filter { $0.route == "GET /users/:id" }.map(\.path)
            #expect(reads.count == 3)  // one per pull: the budget
            #expect(Set(reads).count == 2)  // both users read
            #expect(reports.map(\.remoteChanges).reduce(0, +) == 1)
            var bob = BiUser.bob
            bob.metadata["plan"] = "team"
            f.expectAtPerformChat(bob)
            #expect(try f.inboundLines().first?["new"] == "team")
        }
    }

    /// 5. Echo suppression: what we pushed (the first sync, and a remote edit passed on to the
    ///    other provider) never comes back as a remote change, and costs only the pull reads.
    @Test(.timeLimit(.minutes(1)), arguments: [BiOptions.SourceKind.jsonl, .sqlite])
    func ourOwnPushesAreNeverPulledBackAsChanges(kind: BiOptions.SourceKind) async throws {
        try await withBiFixture { f in
            let engine = try await f.establish(BiUser.pair, BiOptions(source: kind))

            // After the first sync.
            f.sandbox.resetRequests()
            for report in try await f.cycles(engine, 2) {
                #expect(report.remoteChanges == 0)
                #expect(report.conflicts == 0)
                #expect(report.pushed == 0)
            }
            #expect(f.writes.performChat == 0 && f.writes.commBox == 0)
            #expect(f.reads.performChat == 2)  // one list page per pull
            #expect(f.sandbox.requestCounts().commBox.route("GET /users/:id") == 4)  // each mapped user per pull
            #expect(f.sandbox.requestCounts().performChat.total + f.sandbox.requestCounts().commBox.total == 6)

            // After a remote edit was pulled and passed on (a push to CommBox).
            try f.editAtPerformChat("u2", name: "Bob Mason", metadata: ["plan": "team"])
            let passedOn = try await f.cycles(engine, 2)
            #expect(passedOn.map(\.remoteChanges).reduce(0, +) == 2)
            #expect(f.commBox("u2")?.lastName == "Mason")
            f.sandbox.resetRequests()
            for report in try await f.cycles(engine, 3) {
                #expect(report.remoteChanges == 0)
                #expect(report.conflicts == 0)
                #expect(report.pushed == 0)
            }
            let counts = f.sandbox.requestCounts()
            #expect(counts.performChat.route("PUT /customer-users/:id") == 0)
            #expect(counts.commBox.route("POST /users/:id") == 0)
            #expect(counts.performChat.total == counts.performChat.route("GET /customer-users"))
            #expect(counts.commBox.total == counts.commBox.route("GET /users/:id"))
            #expect(counts.performChat.total == 3)
            #expect(counts.commBox.total == 6)
            #expect(try engine.store.conflicts(openOnly: false).isEmpty)
        }
    }

    /// 7a. `direction: push` never reads a provider's side: after the ids are known, no list
    ///     page and no per-user GET, whatever changes remotely; local edits are still pushed.
    @Test(.timeLimit(.minutes(1)))
    func pushDirectionNeverPulls() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl, direction: "push")
            let engine = try await f.establish(BiUser.pair, options)
            // The first cycle only resolved ids (perform.chat lookups, CommBox by identity).
            #expect(f.sandbox.requestCounts().commBox.route("GET /users/:id") == 0)

            f.sandbox.resetRequests()
            try f.editAtPerformChat("u1", name: "Ada King", metadata: ["country": "FR"])
            try f.editAtCommBox("u1", SandboxCommBoxChange(content: ["Plan": "pro"]))
            var bob = BiUser.bob
            bob.name = "Bob Mason"
            try f.writeJSONL([BiUser.ada, bob])
            let reports = try await f.cycles(engine, 3)

            #expect(reports.allSatisfy { $0.remoteChanges == 0 && $0.conflicts == 0 })
            #expect(f.reads.performChat == 0)
            #expect(f.reads.commBox == 0)
            // The local edit went out; the remote edits stayed where they were, unread.
            f.expectAtPerformChat(bob)
            f.expectAtCommBox(bob, content: options.content)
            #expect(f.performChat("u1")?.name == "Ada King")
            #expect(f.commBox("u1")?.content["Plan"] == "pro")
            #expect(try f.inboundLines().isEmpty)
            #expect(try engine.store.acceptedChanges().isEmpty)
        }
    }

    /// 7b. `direction: pull` sends nothing: remote edits come back to the local side, local
    ///     edits and accepted remote edits are not pushed anywhere.
    @Test(.timeLimit(.minutes(1)))
    func pullDirectionNeverSends() async throws {
        try await withBiFixture { f in
            // Established (merge bases recorded) under `both`, then run as `pull` on the same state.
            do { _ = try await f.establish(BiUser.pair, BiOptions(source: .jsonl)) }
            let options = BiOptions(source: .jsonl, direction: "pull")
            let engine = try f.engine(options)

            f.sandbox.resetRequests()
            try f.editAtPerformChat("u1", name: "Ada King")
            var bob = BiUser.bob
            bob.email = "bob.local@example.com"
            try f.writeJSONL([BiUser.ada, bob])
            let reports = try await f.cycles(engine, 3)

            #expect(reports.map(\.remoteChanges).reduce(0, +) == 1)
            #expect(reports.allSatisfy { $0.pushed == 0 && $0.dispatch.isEmpty })
            #expect(f.writes.performChat == 0)
            #expect(f.writes.commBox == 0)
            #expect(f.reads.performChat == 3)
            #expect(f.sandbox.requestCounts().commBox.route("GET /users/:id") == 6)
            let lines = try f.inboundLines()
            #expect(lines.count == 1)
            #expect(lines.first?["field"] == "name")
            #expect(lines.first?["new"] == "Ada King")
            // Nothing passed on, nothing of the local edit sent.
            #expect(f.commBox("u1")?.lastName == "Lovelace")
            #expect(f.performChat("u2")?.email == "bob@example.com")
            #expect(f.commBox("u2")?.email == "bob@example.com")
            #expect(try engine.store.outboxCount() == 0)
        }
    }

    /// Pull only into a SQLite source: a change written into the table is forgotten once the
    /// table holds it (no plan runs to notice), so when the application later sets the field
    /// back, the old remote change is not laid over the table again.
    @Test(.timeLimit(.minutes(1)))
    func pullDirectionForgetsChangesTheSourceHolds() async throws {
        try await withBiFixture { f in
            do { _ = try await f.establish(BiUser.pair, BiOptions(source: .sqlite)) }
            let engine = try f.engine(BiOptions(source: .sqlite, direction: "pull"))
            try f.editAtPerformChat("u1", name: "Ada King")
            _ = try await f.cycles(engine, 2)
            #expect(try f.databaseRows()["u1"]?.name == "Ada King")
            #expect(try engine.store.acceptedChanges().isEmpty)

            // The application sets the name back; later a provider edits another field.
            try f.updateDatabase("UPDATE users SET name = 'Ada Lovelace' WHERE id = 'u1'")
            try f.editAtPerformChat("u1", metadata: ["country": "FR"])
            _ = try await f.cycles(engine, 2)
            let row = try f.databaseRows()["u1"]
            #expect(row?.name == "Ada Lovelace")
            #expect(row?.metadataObject == ["plan": "free", "country": "FR"])
            let explained = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(explained.local?.name == "Ada Lovelace")

            // Switched to both directions: the source's name is what goes out.
            let both = try f.engine(BiOptions(source: .sqlite))
            _ = try await f.cycles(both, 2)
            let expected = BiUser(id: "u1", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "free", "country": "FR"])
            f.expectAtPerformChat(expected)
            f.expectAtCommBox(expected, content: BiOptions().content)
        }
    }

    /// A field removed locally is cleared at the providers (explicitly: neither takes an
    /// absent field as a removal), and the merge base records the clear, so the next pulls
    /// see nothing to take back.
    @Test(.timeLimit(.minutes(1)))
    func aFieldRemovedLocallyIsNotPulledBack() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl)
            let engine = try await f.establish(BiUser.pair, options)
            var ada = BiUser.ada
            ada.metadata["country"] = nil
            ada.email = nil
            try f.writeJSONL([ada, BiUser.bob])
            let reports = try await f.cycles(engine, 3)
            #expect(reports.map(\.remoteChanges).reduce(0, +) == 0)
            #expect(try f.inboundLines().isEmpty)
            let explained = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(explained.local?.metadata["country"] == nil)
            #expect(explained.local?.email == nil)
            #expect(f.performChat("u1")?.metadata["country"] == nil)
        }
    }

    /// 8. `usersync explain`: local values (remote edits laid over) against what each provider
    ///    holds, and the rule behind the last decision.
    @Test(.timeLimit(.minutes(1)))
    func explainShowsLocalAgainstProviderValuesAndTheLastRule() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl)
            let engine = try await f.establish(BiUser.pair, options)

            // Before any pull decision: no rule recorded.
            let fresh = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(fresh.lastRule == nil)
            #expect(fresh.text.contains("last decision: none recorded"))

            try f.editAtPerformChat("u1", name: "Ada King")
            // The pull and write-back, without the push on to CommBox yet.
            _ = try await engine.runCycle(push: false)
            let explained = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(explained.local?.name == "Ada King")
            #expect(explained.lastRule == "performchat: remote-only change: pulled back")
            func row(_ provider: ProviderID, _ path: String) -> UserExplanation.FieldRow? {
                explained.rows.first { $0.provider == provider && $0.path == path }
            }
            #expect(row(.performchat, "name")?.local == "Ada King")
            #expect(row(.performchat, "name")?.providerValue == "Ada King")
            #expect(row(.commbox, "LastName")?.local == "King")
            #expect(row(.commbox, "LastName")?.providerValue == "Lovelace")
            #expect(row(.commbox, "FirstName")?.providerValue == "Ada")
            #expect(explained.queued.map(\.provider) == [.commbox])
            let text = explained.text
            #expect(text.contains("≠ commbox LastName: local King | provider Lovelace"))
            #expect(text.contains("  performchat name: local Ada King | provider Ada King"))
            #expect(text.contains("last decision: performchat: remote-only change: pulled back"))
            #expect(explained.json["last_rule"] == "performchat: remote-only change: pulled back")

            // Once passed on, both providers agree with the local side.
            _ = try await engine.runCycle()
            let settled = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(settled.rows.allSatisfy { $0.local?.canonicalText == $0.providerValue?.canonicalText })
            #expect(settled.queued.isEmpty)
            #expect(!settled.text.contains("≠"))
        }
    }
}
