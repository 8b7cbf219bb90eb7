import Testing
import UserSyncCore
@testable import UserSyncStore

/// A plan's batches wait in a stage until the plan is known to come from a sound read.
@Suite("StateStore: staged plans")
struct PlanStageTests {
    @Test func stagedChangesReachTheOutboxOnlyAtCommit() throws {
        try withStore { store in
            // Given a plan staged in two batches
            try store.beginStagedPlan()
            try store.stage([change("ada"), change("ada", provider: .commbox)])
            try store.stage([change("bob")])
            // Then nothing is queued yet
            #expect(try store.outboxCount() == 0)
            #expect(try store.stagedCount() == 3)
            // When it is committed
            try store.commitStagedPlan(now: 100)
            // Then everything is queued, in plan order, and the stage is empty
            #expect(try store.outboxItems().map(\.externalID) == ["ada", "ada", "bob"])
            #expect(try store.item("bob")?.notBefore == 100)
            #expect(try store.stagedCount() == 0)
        }
    }

    @Test func aDiscardedPlanLeavesTheOutboxAsItWas() throws {
        try withStore { store in
            // Given a queued change, and a plan that staged a newer one and a new user
            try store.enqueue([change("ada", name: "Ada")], now: 100)
            let before = try store.outboxItems()
            try store.beginStagedPlan()
            try store.stage([change("ada", kind: .update, name: "Ada K"), change("cy")])
            // When the plan is discarded (its file changed while it was read)
            try store.discardStagedPlan()
            // Then the outbox is untouched, and a later commit has nothing to bring in
            #expect(try store.outboxItems() == before)
            try store.commitStagedPlan(now: 200)
            #expect(try store.outboxItems() == before)
        }
    }

    @Test func commitFollowsEnqueueRules() throws {
        try withStore { store in
            // Given a queued change that failed once, and a dead letter for another user
            try store.enqueue([change("ada", name: "Ada")], now: 100)
            let first = try #require(try store.item("ada"))
            try store.reschedule(first, status: 503, message: "unavailable", notBefore: 500, now: 110)
            try store.enqueue([change("bob")], now: 100)
            try store.deadLetter(try #require(try store.item("bob")), status: 422, message: "refused", now: 120)
            // When a plan brings newer versions of both, and a user it then retracts
            try store.beginStagedPlan()
            try store.stage([change("ada", kind: .update, name: "Ada King"), change("bob", kind: .update, name: "Bob")])
            try store.stage([change("dup")], retracting: ["dup"])
            try store.commitStagedPlan(now: 200)
            // Then ada's document is replaced but her schedule kept (coalescing)
            let ada = try #require(try store.item("ada"))
            #expect(ada.id == first.id && ada.record.name == "Ada King" && ada.notBefore == 500 && ada.attempts == 1)
            // bob's dead letter is obsolete, and the retracted user is not queued
            #expect(try store.deadLetters().isEmpty)
            #expect(try store.item("bob")?.record.name == "Bob")
            #expect(try store.item("dup") == nil)
        }
    }

    @Test func beginForgetsAnAbandonedStage() throws {
        try withStore { store in
            try store.beginStagedPlan()
            try store.stage([change("ada")])
            try store.beginStagedPlan()
            try store.stage([change("bob")])
            try store.commitStagedPlan(now: 100)
            #expect(try store.outboxItems().map(\.externalID) == ["bob"])
        }
    }
}
