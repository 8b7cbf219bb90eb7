import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// A value erased on one side is erased everywhere (as each API allows) and never comes back:
/// local clears reach both providers, remote clears flow back as clears, and afterwards the
/// sync is quiet — no request, no write-back, no conflict.
@Suite("Clears: a value erased on one side never comes back")
struct ClearTests {
    static let ada = BiUser(
        id: "u1", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "free", "country": "UK", "tier": "gold"],
        phone: "+44 20 7946 0000")
    static let bob = BiUser(
        id: "u2", name: "Bob Builder", email: "bob@example.com", metadata: ["plan": "pro", "country": "DE", "tier": "silver"],
        phone: "+49 30 1234")
    static let options = BiOptions(source: .jsonl, mapPhone: true)

    enum Field: String, CaseIterable, Sendable {
        case name, email, phone
        /// Mapped onto CommBox's custom field `Country`.
        case customField = "country"
        /// A metadata key that only perform.chat holds.
        case metadataKey = "tier"
    }

    /// How the source says "no value".
    enum Style: String, CaseIterable, Sendable {
        case null, empty, missingKey
    }

    /// Ada's JSONL line with one field cleared in one style.
    static func line(clearing field: Field, _ style: Style) -> String {
        var object: [String: JSONValue] = ["id": "u1", "metadata": .object(ada.metadata)]
        for (key, value) in [("name", ada.name), ("email", ada.email), ("phone", ada.phone)] {
            object[key] = value.map(JSONValue.string)
        }
        let blank: JSONValue? = switch style {
        case .null: .null
        case .empty: ""
        case .missingKey: nil
        }
        switch field {
        case .name, .email, .phone: object[field.rawValue] = blank
        case .customField, .metadataKey:
            var metadata = ada.metadata
            metadata[field.rawValue] = blank
            object["metadata"] = .object(metadata)
        }
        return JSONValue.object(object).canonicalText
    }

    @Test(.timeLimit(.minutes(1)), arguments: Field.allCases, Style.allCases)
    func aLocalClearReachesTheProvidersAndStays(_ field: Field, _ style: Style) async throws {
        try await withBiFixture { f in
            let engine = try await f.establish([Self.ada, Self.bob], Self.options)
            try f.writeJSONLLines([Self.line(clearing: field, style), Self.bob.jsonLine])
            let first = try await engine.runCycle()
            #expect(first.plan.summary.rejected == 0)

            let pc = try #require(f.performChat("u1"))
            let cb = try #require(f.commBox("u1"))
            switch field {
            case .name:
                #expect((pc.name ?? "").isEmpty, "perform.chat is sent an empty name")
                #expect((cb.firstName ?? "").isEmpty && (cb.lastName ?? "").isEmpty, "CommBox is sent empty name fields")
            case .email:
                // perform.chat refuses an empty e-mail: the old address stays, by its API.
                #expect(pc.email == "ada@example.com")
                #expect((cb.email ?? "").isEmpty)
            case .phone:
                #expect((cb.phone1 ?? "").isEmpty)
            case .customField:
                #expect(pc.metadata["country"] == nil)
                #expect((cb.content["Country"]?.stringValue ?? "").isEmpty)
            case .metadataKey:
                #expect(pc.metadata["tier"] == nil)
            }
            // The rest is untouched.
            #expect(pc.metadata["plan"] == "free")
            #expect(cb.content["Plan"] == "free")
            f.expectAtPerformChat(Self.bob)

            // Five more cycles, both directions: nothing sent, nothing written back, no conflict.
            let writes = f.writes
            let before = try f.jsonlBytes()
            let later = try await f.cycles(engine, 5)
            #expect(f.writes == writes, "no request after the clear was delivered")
            #expect(later.allSatisfy { $0.remoteChanges == 0 && $0.conflicts == 0 && $0.pushed == 0 })
            #expect(try f.inboundLines().isEmpty, "nothing pulled back")
            #expect(try f.jsonlBytes() == before)
            #expect(try engine.store.outboxCount() == 0)

            // Every field either side holds keeps its line (a metadata key only perform.chat held
            // is gone from both sides: nothing is left to show).
            let explained = try UserExplanation.build(externalID: "u1", options: engine.options, store: engine.store)
            if field != .metadataKey { #expect(explained.text.contains("local (cleared)"), "\(explained.text)") }
            if field == .email {
                #expect(explained.text.contains("performchat email: local (cleared) | provider ada@example.com (this provider cannot clear it"), "\(explained.text)")
                #expect(explained.text.contains("commbox Email: local (cleared) | provider (cleared)"), "\(explained.text)")
            }
        }
    }

    /// A CSV whose e-mail column is gone, and one whose cell is empty: both are clears.
    @Test(.timeLimit(.minutes(1)), arguments: [true, false])
    func aMissingOrEmptyCSVColumnClearsTheEmail(_ dropTheColumn: Bool) async throws {
        try await withBiFixture { f in
            let options = BiOptions(source: .csv, mapPhone: true)
            let engine = try await f.establish([Self.ada, Self.bob], options)
            var ada = Self.ada
            ada.email = nil
            if dropTheColumn {
                let line = { (u: BiUser) in
                    [u.id, u.name ?? "", u.phone ?? "", JSONValue.object(u.metadata).canonicalText]
                        .map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
                }
                try f.writeCSV(header: "id,name,phone,metadata", [line(ada), line(Self.bob)])
            } else {
                try f.writeCSV([ada.csvLine, Self.bob.csvLine])
            }
            _ = try await engine.runCycle()
            #expect((f.commBox("u1")?.email ?? "").isEmpty)
            #expect(f.performChat("u1")?.email == "ada@example.com", "perform.chat cannot clear an e-mail")
            let writes = f.writes
            let later = try await f.cycles(engine, 5)
            #expect(f.writes == writes)
            #expect(later.allSatisfy { $0.remoteChanges == 0 && $0.conflicts == 0 })
            #expect(try f.inboundLines().isEmpty)
        }
    }

    /// SQLite: NULL and '' in a mapped column.
    @Test(.timeLimit(.minutes(1)), arguments: ["NULL", "''"])
    func aSQLiteClearReachesTheProvidersAndStays(_ blank: String) async throws {
        try await withBiFixture { f in
            let engine = try await f.establish(BiUser.pair, BiOptions(source: .sqlite))
            try f.updateDatabase("UPDATE users SET name = \(blank), metadata = '{\"plan\":\"free\"}' WHERE id = 'u1'")
            _ = try await engine.runCycle()
            #expect((f.performChat("u1")?.name ?? "").isEmpty)
            #expect(f.performChat("u1")?.metadata["country"] == nil)
            #expect((f.commBox("u1")?.firstName ?? "").isEmpty)
            #expect((f.commBox("u1")?.content["Country"]?.stringValue ?? "").isEmpty)
            let writes = f.writes
            let later = try await f.cycles(engine, 5)
            #expect(f.writes == writes)
            #expect(later.allSatisfy { $0.remoteChanges == 0 && $0.conflicts == 0 })
            let row = try #require(try f.databaseRows()["u1"])
            #expect(row.name == (blank == "NULL" ? nil : ""), "the source is never written back")
            #expect(row.metadataObject == ["plan": "free"])
        }
    }

    // MARK: remote clears

    /// An agent empties fields at the providers: the clears come back as clears (SQLite NULL,
    /// a removed metadata key), reach the other provider, and the sync is quiet afterwards.
    @Test(.timeLimit(.minutes(1)))
    func remoteClearsFlowBackIntoSQLiteAsNull() async throws {
        try await withBiFixture { f in
            let engine = try await f.establish(BiUser.pair, BiOptions(source: .sqlite))
            try f.editAtPerformChat("u1", name: "")
            try f.sandbox.editPerformChatUser(externalID: "u1", SandboxPerformChatChange(metadata: ["plan": "free"]))
            try f.editAtCommBox("u2", SandboxCommBoxChange(email: ""))
            _ = try await f.cycles(engine, 2)

            let rows = try f.databaseRows()
            #expect(rows["u1"]?.name == nil)
            #expect(rows["u1"]?.metadataObject == ["plan": "free"])
            #expect(rows["u2"]?.email == nil)
            #expect(rows["u1"]?.note == "keep me" && rows["u2"]?.note == "keep me")
            // Passed on: CommBox loses u1's name and custom field; perform.chat keeps u2's e-mail (it cannot clear one).
            #expect((f.commBox("u1")?.firstName ?? "").isEmpty && (f.commBox("u1")?.lastName ?? "").isEmpty)
            #expect((f.commBox("u1")?.content["Country"]?.stringValue ?? "").isEmpty)
            #expect(f.performChat("u2")?.email == "bob@example.com")

            let writes = f.writes
            let later = try await f.cycles(engine, 5)
            #expect(f.writes == writes, "five quiet cycles: no request")
            #expect(later.allSatisfy { $0.remoteChanges == 0 && $0.conflicts == 0 })
            #expect(try f.databaseRows()["u1"]?.name == nil)
        }
    }

    /// An agent clears an e-mail at perform.chat (its console can): flows back as a clear,
    /// CommBox's address is cleared, and no cycle sends anything afterwards.
    @Test(.timeLimit(.minutes(1)))
    func anEmailClearedAtPerformChatIsClearedEverywhereOnce() async throws {
        try await withBiFixture { f in
            let engine = try await f.establish(BiUser.pair, BiOptions(source: .jsonl))
            try f.editAtPerformChat("u1", email: "")
            _ = try await f.cycles(engine, 2)
            let lines = try f.inboundLines()
            #expect(lines.count == 1)
            #expect(lines.first?["field"] == "email")
            #expect(lines.first?["new"] == .null)
            #expect((f.commBox("u1")?.email ?? "").isEmpty)
            let writes = f.writes
            let later = try await f.cycles(engine, 5)
            #expect(f.writes == writes)
            #expect(later.allSatisfy { $0.remoteChanges == 0 && $0.conflicts == 0 })
        }
    }

    /// Remote clears into an inbound file (`"new": null`) and into a rewritten JSONL file (the
    /// value dropped), then quiet.
    @Test(.timeLimit(.minutes(1)), arguments: ["inbound", "rewrite"])
    func remoteClearsFlowBackIntoAFileSource(_ writeBack: String) async throws {
        try await withBiFixture { f in
            let engine = try await f.establish(BiUser.pair, BiOptions(source: .jsonl, writeBack: writeBack))
            try f.editAtCommBox("u1", SandboxCommBoxChange(content: ["Country": ""]))
            try f.editAtPerformChat("u2", name: "")
            _ = try await f.cycles(engine, 2)
            if writeBack == "inbound" {
                let lines = try f.inboundLines()
                #expect(Set(lines.compactMap { $0["field"]?.stringValue }) == ["metadata.country", "name"])
                #expect(lines.allSatisfy { $0["new"] == .null })
            } else {
                let text = String(decoding: try f.jsonlBytes(), as: UTF8.self)
                let rows = try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
                #expect(rows.first { $0["id"] == "u1" }?["metadata"]?["country"] == nil)
                #expect(rows.first { $0["id"] == "u1" }?["metadata"]?["plan"] == "free")
                #expect((rows.first { $0["id"] == "u2" }?["name"]).map(\.isNull) ?? true, "the name is dropped (null)")
            }
            #expect(f.performChat("u1")?.metadata["country"] == nil, "the clear reaches the other provider")
            #expect((f.commBox("u2")?.firstName ?? "").isEmpty)
            let writes = f.writes
            let later = try await f.cycles(engine, 5)
            #expect(f.writes == writes)
            #expect(later.allSatisfy { $0.remoteChanges == 0 && $0.conflicts == 0 })
        }
    }
}

/// A provider that keeps answering as if our request had not been applied would make every
/// cycle send the same request forever. The same request with the same provider answer
/// before it is sent once more, then stopped and reported as a dead letter.
@Suite("Sync loops are detected and stopped")
struct SyncLoopTests {
    @Test(.timeLimit(.minutes(1)))
    func theSameRequestWithNothingChangedInBetweenIsStopped() async throws {
        try await withBiFixture { f in
            let engine = try await f.establish(BiUser.pair, BiOptions(source: .jsonl, direction: "push"))
            let id = try #require(try engine.store.providerUserID(provider: .commbox, externalID: "u1"))
            // What a misbehaving provider keeps reporting, whatever we send.
            let ghost: JSONValue = ["UniqueId": "u1", "FirstName": "Ghost", "Email": "ada@example.com"]
            let start = f.writes.commBox
            var sent: [Int] = []
            for _ in 0..<4 {
                try engine.store.recordRemote(provider: .commbox, externalID: "u1", providerUserID: id, document: ghost)
                _ = try await engine.runCycle(forcePlan: true)
                sent.append(f.writes.commBox - start)
            }
            #expect(sent == [1, 2, 2, 2])
            let dead = try engine.store.deadLetters(provider: .commbox)
            #expect(dead.map(\.externalID) == ["u1"])
            #expect(dead.first?.lastError.contains("sync loop stopped") == true)
            // An operator's retry sends it once more.
            let item = try #require(dead.first)
            #expect(try engine.store.retryItem(id: item.id) == .requeued)
            _ = try await engine.runCycle()
            #expect(f.writes.commBox - start == 3)
        }
    }
}
