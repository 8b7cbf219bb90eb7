import GRDB
import Testing
import UserSyncCore
@testable import UserSyncStore

@Suite("StateStore: outbox")
struct OutboxTests {
    // MARK: Enqueue

    @Test func enqueueStoresThePlannedChange() throws {
        try withStore { store in
            let planned = change("ada", metadata: ["plan": "pro"])
            try store.enqueue([planned], now: 100)
            let item = try #require(try store.item("ada"))
            #expect(item.provider == .performchat)
            #expect(item.kind == .create)
            #expect(item.document == planned.document)
            #expect(item.digest == planned.digest)
            #expect(item.record == planned.record)
            #expect(item.state == .pending)
            #expect(item.attempts == 0)
            #expect(item.notBefore == 100)
            #expect(item.enqueuedAt == 100)
            #expect(item.firstFailedAt == nil && item.lastStatus == nil && item.lastError == nil)
        }
    }

    @Test func oneRowPerProviderAndUser() throws {
        try withStore { store in
            try store.enqueue([change("ada"), change("ada", provider: .commbox), change("bob")], now: 100)
            #expect(try store.outboxCount() == 3)
            #expect(try store.outboxCount(provider: .performchat) == 2)
            #expect(try store.outboxCount(provider: .commbox) == 1)
            #expect(try store.outboxCount(provider: .commbox, state: .parked) == 0)
        }
    }

    @Test func aSecondEnqueueCoalescesButKeepsTheSchedule() throws {
        try withStore { store in
            // Given a queued change that already failed once
            try store.enqueue([change("ada", name: "Ada")], now: 100)
            let first = try #require(try store.item("ada"))
            try store.reschedule(first, status: 503, message: "unavailable", notBefore: 500, now: 110)
            // When a newer change for the same user arrives
            let newer = change("ada", kind: .update, name: "Ada King")
            try store.enqueue([newer], now: 200)
            // Then the document is replaced, the schedule and attempts are not
            let item = try #require(try store.item("ada"))
            #expect(try store.outboxCount() == 1)
            #expect(item.id == first.id)
            #expect(item.document == newer.document)
            #expect(item.digest == newer.digest)
            #expect(item.record.name == "Ada King")
            #expect(item.notBefore == 500)
            #expect(item.attempts == 1)
            #expect(item.enqueuedAt == 100)
            #expect(item.firstFailedAt == 110)
            #expect(item.lastStatus == 503)
            #expect(item.lastError == "unavailable")
        }
    }

    @Test
    func coalescingKeepsAQueuedCreateACreate() throws {
        try withStore { store in
            try store.enqueue([change("ada", kind: .create, name: "Ada")], now: 100)
            try store.enqueue([change("ada", kind: .update, name: "Ada King")], now: 200)
            #expect(try store.item("ada")?.kind == .create)
        }
    }

    @Test func removalsAreNeverQueued() throws {
        try withStore { store in
            let removal = PlannedChange(provider: .performchat, externalID: "ada", kind: .remove, document: nil, digest: nil, record: nil)
            try store.enqueue([removal], now: 100)
            #expect(try store.outboxCount() == 0)
        }
    }

    @Test func aRetractedIDIsRemovedForEveryProvider() throws {
        try withStore { store in
            try store.enqueue([change("ada"), change("ada", provider: .commbox), change("bob")], now: 100)
            try store.enqueue([], retracting: ["ada"], now: 200)
            #expect(try store.outboxItems().map(\.externalID) == ["bob"])
        }
    }

    @Test func aChangeRetractedInTheSameBatchIsNotQueued() throws {
        try withStore { store in
            try store.enqueue([change("ada"), change("bob")], retracting: ["ada"], now: 100)
            #expect(try store.outboxItems().map(\.externalID) == ["bob"])
        }
    }

    // MARK: Due items

    @Test func dueItemsHonourNotBefore() throws {
        try withStore { store in
            try store.enqueue([change("ada"), change("bob")], now: 100)
            try store.enqueue([change("cy")], now: 150)
            try store.enqueue([change("dee", provider: .commbox)], now: 100)
            let bob = try #require(try store.item("bob"))
            try store.reschedule(bob, status: 429, message: "slow down", notBefore: 300, now: 120)

            #expect(try store.dueItems(provider: .performchat, now: 99).isEmpty)
            #expect(try store.dueItems(provider: .performchat, now: 100).map(\.externalID) == ["ada"])
            #expect(try store.dueItems(provider: .performchat, now: 299).map(\.externalID) == ["ada", "cy"])
            #expect(try store.dueItems(provider: .performchat, now: 300).map(\.externalID) == ["ada", "cy", "bob"], "oldest first")
            #expect(try store.dueItems(provider: .performchat, now: 300, limit: 2).map(\.externalID) == ["ada", "cy"])
            #expect(try store.dueItems(provider: .commbox, now: 300).map(\.externalID) == ["dee"])
            #expect(try store.nextDueTime(provider: .performchat) == 100)
            #expect(try store.nextDueTime(provider: "nobody") == nil)
        }
    }

    @Test func deferQueueDelaysOnlyThatProviderAndNeverBringsAnItemForward() throws {
        try withStore { store in
            try store.enqueue([change("ada"), change("bob"), change("cy", provider: .commbox)], now: 100)
            let bob = try #require(try store.item("bob"))
            try store.reschedule(bob, status: 503, message: "x", notBefore: 900, now: 100)
            try store.deferQueue(provider: .performchat, until: 500)
            #expect(try store.item("ada")?.notBefore == 500)
            #expect(try store.item("ada")?.attempts == 0, "deferring is not an attempt")
            #expect(try store.item("bob")?.notBefore == 900)
            #expect(try store.item("cy", provider: .commbox)?.notBefore == 100)
        }
    }

    // MARK: Acknowledge

    @Test func acknowledgeRecordsTheRemoteStateAndTheIDAndDeletesTheRow() throws {
        try withStore { store in
            let planned = change("ada")
            try store.enqueue([planned], now: 100)
            let item = try #require(try store.item("ada"))
            try store.acknowledge(item, providerUserID: "pc-42", now: 200)
            #expect(try store.outboxCount() == 0)
            #expect(try store.remoteDocument(provider: .performchat, externalID: "ada") == planned.document)
            #expect(try store.remoteStateCount(provider: .performchat) == 1)
            #expect(try store.providerUserID(provider: .performchat, externalID: "ada") == "pc-42")
            #expect(try store.snapshotDigests() == ["performchat/ada": planned.digest!])
        }
    }

    @Test func acknowledgeKeepsWhatTheProviderConfirmed() throws {
        try withStore { store in
            try store.enqueue([change("ada")], now: 100)
            let item = try #require(try store.item("ada"))
            let confirmed: JSONValue = ["name": "Ada", "email": "ada@example.com", "metadata": [:], "id": "pc-42"]
            try store.acknowledge(item, providerUserID: nil, confirmed: confirmed, now: 200)
            #expect(try store.remoteDocument(provider: .performchat, externalID: "ada") == confirmed)
            #expect(try store.providerUserID(provider: .performchat, externalID: "ada") == nil)
            #expect(try store.snapshotDigests()["performchat/ada"] == item.digest, "the digest stays the desired one")
        }
    }

    @Test func acknowledgeKeepsARowThatWasCoalescedWhileInFlight() throws {
        try withStore { store in
            // Given an item taken for dispatch, after one failed attempt
            try store.enqueue([change("ada", name: "Ada")], now: 100)
            let first = try #require(try store.item("ada"))
            try store.reschedule(first, status: 503, message: "x", notBefore: 150, now: 110)
            let inFlight = try #require(try store.dueItems(provider: .performchat, now: 150).first)
            // When a newer change is coalesced before the 2xx comes back
            let newer = change("ada", kind: .update, name: "Ada King")
            try store.enqueue([newer], now: 160)
            try store.acknowledge(inFlight, providerUserID: "pc-42", now: 170)
            // Then the provider's state is the old document and the newer one is still queued
            #expect(try store.remoteDocument(provider: .performchat, externalID: "ada") == inFlight.document)
            let left = try #require(try store.item("ada"))
            #expect(left.digest == newer.digest)
            #expect(left.attempts == 0, "a success resets the failure count")
            #expect(left.lastError == nil && left.lastStatus == nil && left.firstFailedAt == nil)
            #expect(try store.snapshotDigests()["performchat/ada"] == newer.digest)
        }
    }

    // MARK: Failures

    @Test func rescheduleCountsAttempts() throws {
        try withStore { store in
            try store.enqueue([change("ada")], now: 100)
            for attempt in 1...3 {
                let item = try #require(try store.item("ada"))
                try store.reschedule(item, status: attempt == 3 ? nil : 500, message: "failure \(attempt)", notBefore: Double(100 + attempt * 10), now: Double(100 + attempt))
            }
            let item = try #require(try store.item("ada"))
            #expect(item.attempts == 3)
            #expect(item.notBefore == 130)
            #expect(item.firstFailedAt == 101, "the first failure is remembered")
            #expect(item.lastStatus == nil, "a network error has no status")
            #expect(item.lastError == "failure 3")
        }
    }

    @Test func deadLetterMovesTheRow() throws {
        try withStore { store in
            try store.enqueue([change("ada"), change("bob")], now: 100)
            let ada = try #require(try store.item("ada"))
            try store.reschedule(ada, status: 503, message: "x", notBefore: 100, now: 100)
            try store.deadLetter(try #require(try store.item("ada")), status: 422, message: "email: invalid", now: 200)
            #expect(try store.outboxItems().map(\.externalID) == ["bob"])
            let dead = try store.deadLetters()
            #expect(dead.count == 1)
            #expect(dead.first?.provider == .performchat)
            #expect(dead.first?.externalID == "ada")
            #expect(dead.first?.attempts == 2, "the failed attempt that killed it counts")
            #expect(dead.first?.lastStatus == 422)
            #expect(dead.first?.lastError == "email: invalid")
            #expect(dead.first?.deadAt == 200)
            #expect(try store.deadLetters(provider: .commbox).isEmpty)
        }
    }

    @Test func aDeadLetterKeepsItsDigestInTheSnapshotUntilTheSourceChanges() throws {
        try withStore { store in
            let planned = change("ada")
            try store.enqueue([planned], now: 100)
            try store.deadLetter(try #require(try store.item("ada")), status: 400, message: "bad", now: 200)
            #expect(try store.snapshotDigests() == ["performchat/ada": planned.digest!], "not re-sent while unchanged")
            // When the source changes, the new change replaces the dead letter
            let fixed = change("ada", kind: .update, name: "Ada King")
            try store.enqueue([fixed], now: 300)
            #expect(try store.deadLetters().isEmpty)
            #expect(try store.item("ada")?.digest == fixed.digest)
        }
    }

    @Test
    func aRetractedChangeDoesNotClearADeadLetter() throws {
        try withStore { store in
            try store.enqueue([change("ada")], now: 100)
            try store.deadLetter(try #require(try store.item("ada")), status: 422, message: "refused", now: 110)
            // A duplicate id turned up: the change for ada is retracted, nothing is queued
            try store.enqueue([change("ada", kind: .update, name: "Ada King")], retracting: ["ada"], now: 200)
            #expect(try store.outboxCount() == 0)
            #expect(try store.deadLetters().map(\.externalID) == ["ada"])
        }
    }

    @Test func deadLetteringAnItemThatWasCoalescedKeepsTheNewerChangeQueued() throws {
        try withStore { store in
            try store.enqueue([change("ada", name: "Ada")], now: 100)
            let inFlight = try #require(try store.item("ada"))
            let newer = change("ada", kind: .update, name: "Ada King")
            try store.enqueue([newer], now: 150)
            try store.deadLetter(inFlight, status: 422, message: "bad", now: 200)
            #expect(try store.item("ada")?.digest == newer.digest)
            #expect(try store.snapshotDigests()["performchat/ada"] == newer.digest)
        }
    }

    @Test
    func aStaleDeadLetterDoesNotHideTheConfirmedState() throws {
        try withStore { store in
            // Given v1 in flight while v2 is coalesced, v1 refused, v2 delivered
            try store.enqueue([change("ada", name: "Ada")], now: 100)
            let v1 = try #require(try store.item("ada"))
            let v2 = change("ada", kind: .update, name: "Ada King")
            try store.enqueue([v2], now: 110)
            try store.deadLetter(v1, status: 422, message: "refused", now: 120)
            let queued = try #require(try store.item("ada"))
            try store.acknowledge(queued, providerUserID: "pc-1", now: 130)
            // Then the snapshot says the provider holds v2, and no stale dead letter is listed
            #expect(try store.snapshotDigests()["performchat/ada"] == v2.digest)
            #expect(try store.deadLetters().isEmpty)
        }
    }

    // MARK: Park

    @Test func parkHoldsTheItemUntilItsRecheckTime() throws {
        try withStore { store in
            try store.enqueue([change("ada", kind: .update)], now: 100)
            let item = try #require(try store.item("ada"))
            try store.reschedule(item, status: 500, message: "x", notBefore: 100, now: 100)
            try store.park(try #require(try store.item("ada")), reason: "no such user at perform.chat", recheckAt: 10_000, now: 200)
            let parked = try #require(try store.item("ada"))
            #expect(parked.state == .parked)
            #expect(parked.notBefore == 10_000)
            #expect(parked.lastError == "no such user at perform.chat")
            #expect(parked.lastStatus == nil)
            #expect(parked.attempts == 1, "parking is not an attempt")
            #expect(try store.outboxCount(state: .parked) == 1)
            #expect(try store.outboxCount(state: .pending) == 0)
            #expect(try store.dueItems(provider: .performchat, now: 9_999).isEmpty)
            #expect(try store.dueItems(provider: .performchat, now: 10_000).map(\.state) == [.parked])
        }
    }

    @Test func aNewChangeForAParkedUserStaysParked() throws {
        try withStore { store in
            try store.enqueue([change("ada", kind: .update)], now: 100)
            try store.park(try #require(try store.item("ada")), reason: "missing", recheckAt: 10_000, now: 200)
            let newer = change("ada", kind: .update, name: "Ada King")
            try store.enqueue([newer], now: 300)
            let item = try #require(try store.item("ada"))
            #expect(item.state == .parked)
            #expect(item.notBefore == 10_000)
            #expect(item.digest == newer.digest)
        }
    }
}

@Suite("StateStore: outbox lookups by user")
struct OutboxUserLookupTests {
    /// The statements that find one user's queued changes at every provider.
    static let statements = [
        StateStore.holdConflictedSQL,
        "DELETE FROM outbox WHERE external_id = 'ada'",
        StateStore.dropRetractedSQL,
        "UPDATE outbox SET state = 'held' WHERE external_id = 'ada' AND state IN ('pending', 'parked', 'held')",
        "DELETE FROM outbox WHERE external_id = 'ada' AND state = 'held'",
    ]

    @Test("finding one user's queued changes uses an index, never a scan of the whole outbox", arguments: statements)
    func byIndex(_ sql: String) throws {
        try withStore { store in
            try store.beginStagedPlan()
            try store.enqueue((0..<50).map { change("user\($0)") }, now: 100)
            let steps = try store.write { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)").map { $0["detail"] as String }
            }
            #expect(!steps.contains { $0.hasPrefix("SCAN outbox") }, "\(steps)")
            try store.discardStagedPlan()
        }
    }
}
