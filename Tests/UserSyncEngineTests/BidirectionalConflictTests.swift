import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// The same field edited on both sides (locally and at perform.chat) between two cycles,
/// under each `sync.conflict_policy`; and different metadata keys edited on each side, which
/// is no conflict at all.
@Suite("Bidirectional sync: conflicts and key-by-key merges")
struct BidirectionalConflictTests {
    /// Ada's name is changed in the JSONL source and, differently, at perform.chat.
    static func editBothSides(_ f: BiFixture) throws -> (base: String, local: String, remote: String) {
        var ada = BiUser.ada
        ada.name = "Ada Local"
        try f.writeJSONL([ada, BiUser.bob])
        try f.editAtPerformChat("u1", name: "Ada Remote")
        return ("Ada Lovelace", "Ada Local", "Ada Remote")
    }

    static func withName(_ name: String) -> BiUser {
        var ada = BiUser.ada
        ada.name = name
        return ada
    }

    /// 3. `local`, and `newest` with no local edit times (a JSONL source has none), which falls
    ///    back to local: the local value ends up at both providers; the conflict is recorded
    ///    as resolved `local`, with the rule that decided it.
    @Test(.timeLimit(.minutes(1)), arguments: ["local", "newest"])
    func localWinsAndReachesBothProviders(policy: String) async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl, conflictPolicy: policy)
            let engine = try await f.establish(BiUser.pair, options)
            let edit = try Self.editBothSides(f)
            f.sandbox.resetRequests()

            let reports = try await f.cycles(engine, 2)
            #expect(reports[0].conflicts == 1)
            #expect(reports[0].remoteChanges == 0)
            #expect(reports[1].conflicts == 0 && reports[1].remoteChanges == 0)

            f.expectAtPerformChat(Self.withName(edit.local))
            f.expectAtCommBox(Self.withName(edit.local), content: options.content)
            #expect(f.writes.performChat == 1)
            #expect(f.writes.commBox == 1)

            let recorded = try engine.store.conflicts(openOnly: false)
            #expect(recorded.count == 1)
            let conflict = try #require(recorded.first)
            #expect(conflict.provider == .performchat)
            #expect(conflict.externalID == "u1")
            #expect(conflict.field == "name")
            #expect(conflict.base == .string(edit.base))
            #expect(conflict.local == .string(edit.local))
            #expect(conflict.remote == .string(edit.remote))
            #expect(conflict.resolution == "local")
            #expect(conflict.resolvedAt != nil)
            if policy == "newest" {
                #expect(conflict.rule == "conflict_policy newest: no local edit time, so the local source wins")
            } else {
                #expect(conflict.rule == "conflict_policy local: the local source wins")
            }
            #expect(try engine.store.conflicts().isEmpty)
            #expect(try engine.store.lastRule(externalID: "u1")?.rule == "performchat: \(conflict.rule)")
            // Nothing was taken from the provider.
            #expect(try f.inboundLines().isEmpty)
            #expect(try engine.store.acceptedChanges().isEmpty)
            #expect(try engine.store.outboxCount() == 0)
        }
    }

    /// 3. `newest` with `source.fields.updated_at`: the later edit wins, whichever side made
    ///    it (the provider's edit is made now; the row says when it was edited locally).
    @Test(.timeLimit(.minutes(1)), arguments: [
        ("2999-01-01T00:00:00Z", "local", "conflict_policy newest: the local edit is later"),
        ("2001-01-01 00:00:00", "remote", "conflict_policy newest: the provider's edit is later"),
        ("not a time", "local", "conflict_policy newest: no local edit time, so the local source wins"),
    ])
    func newestTakesTheLaterEdit(localEditTime: String, winner: String, rule: String) async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl, mapUpdatedAt: true, conflictPolicy: "newest")
            var users = BiUser.pair
            for index in users.indices { users[index].updatedAt = "2000-01-01T00:00:00Z" }
            let engine = try await f.establish(users, options)
            // Given Ada's name edited on both sides, the local edit stamped with its time
            var ada = users[0]
            ada.name = "Ada Local"
            ada.updatedAt = localEditTime
            try f.writeJSONL([ada, users[1]])
            try f.editAtPerformChat("u1", name: "Ada Remote")
            f.sandbox.resetRequests()
            // When
            let reports = try await f.cycles(engine, 2)
            // Then the later edit is at both providers, and the conflict says why
            #expect(reports[0].conflicts == 1)
            #expect(reports[1].conflicts == 0 && reports[1].remoteChanges == 0)
            let expected = Self.withName(winner == "local" ? "Ada Local" : "Ada Remote")
            f.expectAtPerformChat(expected)
            f.expectAtCommBox(expected, content: options.content)
            let conflict = try #require(try engine.store.conflicts(openOnly: false).first)
            #expect(conflict.resolution == winner)
            #expect(conflict.rule == rule)
        }
    }

    /// 3. `remote`: the provider's value is written back (inbound file) and passed on to the
    ///    other provider; the provider that made the edit is not written to.
    @Test(.timeLimit(.minutes(1)))
    func remoteWinsIsWrittenBackAndPassedOn() async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl, conflictPolicy: "remote")
            let engine = try await f.establish(BiUser.pair, options)
            let edit = try Self.editBothSides(f)
            let sourceBytes = try f.jsonlBytes()
            f.sandbox.resetRequests()

            let reports = try await f.cycles(engine, 2)
            #expect(reports[0].conflicts == 1)
            #expect(reports[0].remoteChanges == 1)
            #expect(reports[1].conflicts == 0 && reports[1].remoteChanges == 0)

            f.expectAtPerformChat(Self.withName(edit.remote))
            f.expectAtCommBox(Self.withName(edit.remote), content: options.content)
            #expect(f.writes.performChat == 0)
            #expect(f.writes.commBox == 1)

            let lines = try f.inboundLines()
            #expect(lines.count == 1)
            #expect(lines.first?["field"] == "name")
            #expect(lines.first?["old"] == .string(edit.local))
            #expect(lines.first?["new"] == .string(edit.remote))
            #expect(try f.jsonlBytes() == sourceBytes)

            let conflict = try #require(try engine.store.conflicts(openOnly: false).first)
            #expect(conflict.resolution == "remote")
            #expect(conflict.rule == "conflict_policy remote: the provider's edit wins")
            #expect((conflict.base, conflict.local, conflict.remote) == (.string(edit.base), .string(edit.local), .string(edit.remote)))
            #expect(try engine.store.conflicts().isEmpty)
            // The local side, as the engine sees it, holds the provider's value.
            let explained = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(explained.local?.name == edit.remote)
        }
    }

    /// 3. `manual`: the user's push to perform.chat is held (nothing sent to it) and the
    ///    conflict is listed with base, local and remote until an operator resolves it; then
    ///    the next cycles sync the chosen side.
    @Test(.timeLimit(.minutes(1)), arguments: [false, true])
    func manualHoldsUntilResolved(takeRemote: Bool) async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl, conflictPolicy: "manual")
            let engine = try await f.establish(BiUser.pair, options)
            let edit = try Self.editBothSides(f)
            f.sandbox.resetRequests()

            let first = try await engine.runCycle()
            #expect(first.conflicts == 1)
            #expect(first.remoteChanges == 0)
            let held = try engine.store.outboxItems(provider: .performchat)
            #expect(held.count == 1)
            #expect(held.first?.externalID == "u1")
            #expect(held.first?.state == .held)
            #expect(held.first?.attempts == 0)
            #expect(f.writes.performChat == 0)
            #expect(f.performChat("u1")?.name == edit.remote)
            // Held at CommBox too: the conflicting name must not reach one provider and flip later.
            #expect(try engine.store.outboxItems(provider: .commbox).map(\.state) == [.held])
            #expect(f.writes.commBox == 0)
            #expect(f.commBox("u1")?.lastName == "Lovelace")
            #expect(first.exitCode == SyncExitStatus.heldForOperator)

            let open = try engine.store.conflicts()
            #expect(open.count == 1)
            let conflict = try #require(open.first)
            #expect(conflict.provider == .performchat)
            #expect(conflict.field == "name")
            #expect(conflict.base == .string(edit.base))
            #expect(conflict.local == .string(edit.local))
            #expect(conflict.remote == .string(edit.remote))
            #expect(conflict.resolution == "held")
            #expect(conflict.resolvedAt == nil)
            #expect(conflict.rule == "conflict_policy manual: held until resolved")
            #expect(conflict.remoteEdits == [CanonicalEdit(field: "name", old: .string(edit.local), new: .string(edit.remote))])

            // Held across cycles: not sent, not recorded again.
            let second = try await engine.runCycle()
            #expect(second.conflicts == 0)
            #expect(f.writes.performChat == 0)
            #expect(try engine.store.outboxItems(provider: .performchat).map(\.state) == [.held])
            #expect(try engine.store.conflicts().count == 1)
            let explained = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(explained.queued.contains { $0.provider == .performchat && $0.state == .held })
            #expect(explained.conflicts.map(\.id) == [conflict.id])
            let nameRow = explained.rows.first { $0.provider == .performchat && $0.path == "name" }
            #expect(nameRow?.local == .string(edit.local))
            #expect(nameRow?.providerValue == .string(edit.remote))
            #expect(explained.lastRule == "performchat: conflict_policy manual: held until resolved")

            // The operator decides.
            let resolved = try engine.store.resolveConflict(id: conflict.id, takeRemote: takeRemote)
            #expect(resolved?.id == conflict.id)
            #expect(try engine.store.conflicts().isEmpty)
            f.sandbox.resetRequests()
            let after = try await f.cycles(engine, 2)
            #expect(after.allSatisfy { $0.conflicts == 0 })
            #expect(try engine.store.outboxCount() == 0)
            let chosen = takeRemote ? edit.remote : edit.local
            // CommBox gets the chosen name once (it never had the other one).
            #expect(f.writes.commBox == 1)
            #expect(after.last?.exitCode == SyncExitStatus.ok)
            f.expectAtPerformChat(Self.withName(chosen))
            f.expectAtCommBox(Self.withName(chosen), content: options.content)
            let lines = try f.inboundLines()
            if takeRemote {
                #expect(f.writes.performChat == 0)
                #expect(lines.count == 1)
                #expect(lines.first?["field"] == "name")
                #expect(lines.first?["new"] == .string(edit.remote))
            } else {
                #expect(f.writes.performChat == 1)
                #expect(lines.isEmpty)
            }
            let settled = try engine.store.conflicts(openOnly: false)
            #expect(settled.count == 1)
            #expect(settled.first?.resolution == (takeRemote ? "remote (operator)" : "local (operator)"))
            #expect(settled.first?.resolvedAt != nil)
            // A second resolution of the same conflict does nothing.
            #expect(try engine.store.resolveConflict(id: conflict.id, takeRemote: !takeRemote) == nil)
        }
    }

    /// CommBox's FirstName/LastName are one local field (`name`): a local edit of the last
    /// name and a CommBox edit of the first name are a conflict on `name`, settled by the
    /// policy, never a silent take-over of the remote name.
    @Test(.timeLimit(.minutes(1)), arguments: ["local", "manual"])
    func commBoxHalfNameEditAgainstALocalNameEditIsAConflictOnTheName(policy: String) async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .jsonl, conflictPolicy: policy)
            let engine = try await f.establish(BiUser.pair, options)
            var ada = BiUser.ada
            ada.name = "Ada Byron"
            try f.writeJSONL([ada, BiUser.bob])
            try f.editAtCommBox("u1", SandboxCommBoxChange(firstName: "Adaline"))

            let first = try await engine.runCycle()
            #expect(first.conflicts == 1)
            #expect(first.remoteChanges == 0)
            let conflict = try #require(try engine.store.conflicts(openOnly: false).first)
            #expect(conflict.provider == .commbox)
            #expect(conflict.field == "name")
            #expect(conflict.base == "Ada Lovelace")
            #expect(conflict.local == "Ada Byron")
            #expect(conflict.remote == "Adaline Lovelace")
            #expect(conflict.remoteEdits == [CanonicalEdit(field: "name", old: "Ada Byron", new: "Adaline Lovelace")])
            if policy == "manual" {
                #expect(conflict.resolution == "held")
                #expect(try engine.store.outboxItems(provider: .commbox).map(\.state) == [.held])
                // Held at perform.chat too (it used to get the local name, then flip to the remote one).
                #expect(try engine.store.outboxItems(provider: .performchat).map(\.state) == [.held])
                #expect(f.performChat("u1")?.name == "Ada Lovelace")
                #expect(f.commBox("u1")?.firstName == "Adaline")
                _ = try engine.store.resolveConflict(id: conflict.id, takeRemote: true)
                ada.name = "Adaline Lovelace"
            } else {
                #expect(conflict.resolution == "local")
                f.expectAtPerformChat(ada)
            }
            _ = try await f.cycles(engine, 2)
            f.expectAtPerformChat(ada)
            f.expectAtCommBox(ada, content: options.content)
            #expect(try engine.store.outboxCount() == 0)
            #expect(try engine.store.conflicts().isEmpty)
            let lines = try f.inboundLines()
            #expect(lines.map { $0["new"] } == (policy == "manual" ? ["Adaline Lovelace"] : []))
        }
    }

    /// 4. Metadata merges key by key: `plan` changed locally, `country` at perform.chat → both
    ///    providers and the local side end with both edits, and no conflict.
    @Test(.timeLimit(.minutes(1)), arguments: [BiOptions.SourceKind.sqlite, .jsonl])
    func differentMetadataKeysOnEachSideMergeWithoutConflict(kind: BiOptions.SourceKind) async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: kind)
            let engine = try await f.establish(BiUser.pair, options)
            var ada = BiUser.ada
            ada.metadata["plan"] = "pro"
            switch kind {
            case .sqlite: try f.updateDatabase("UPDATE users SET metadata = json_set(metadata, '$.plan', 'pro') WHERE id = 'u1'")
            case .jsonl: try f.writeJSONL([ada, BiUser.bob])
            case .csv: try f.writeCSV([ada.csvLine, BiUser.bob.csvLine])
            case .postgres: Issue.record("not a postgres test")
            }
            try f.editAtPerformChat("u1", metadata: ["country": "FR"])

            let reports = try await f.cycles(engine, 3)
            #expect(reports.map(\.conflicts).reduce(0, +) == 0)
            #expect(reports.map(\.remoteChanges).reduce(0, +) == 1)
            #expect(try engine.store.conflicts(openOnly: false).isEmpty)

            let merged = BiUser(id: "u1", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "pro", "country": "FR"])
            f.expectAtPerformChat(merged)
            f.expectAtCommBox(merged, content: options.content)
            switch kind {
            case .sqlite:
                #expect(try f.databaseRows()["u1"]?.metadataObject == merged.metadata)
            case .postgres:
                Issue.record("not a postgres test")
            case .jsonl, .csv:
                let lines = try f.inboundLines()
                #expect(lines.count == 1)
                #expect(lines.first?["field"] == "metadata.country")
                #expect(lines.first?["new"] == "FR")
            }
            let explained = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            #expect(explained.local?.metadata == merged.metadata)
            #expect(try engine.store.outboxCount() == 0)
        }
    }
}
