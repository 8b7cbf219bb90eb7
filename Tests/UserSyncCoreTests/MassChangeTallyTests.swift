import Testing
import UserSyncCore

/// The guard's measure, alone: users changed, users losing a non-empty field, the limits.
@Suite("Mass-change tally")
struct MassChangeTallyTests {
    let limits = MassChangeLimits()

    @Test func aFieldEmptiedOrRemovedIsAClearAnEditIsNot() {
        var tally = MassChangeTally()
        let before: JSONValue = ["name": "Ada", "email": "ada@example.com", "metadata": ["plan": "pro"]]
        tally.count(from: before, to: ["name": "Ada", "email": "", "metadata": ["plan": "pro"]])
        tally.count(from: before, to: ["name": "Ada", "metadata": [:]])
        tally.count(from: before, to: ["name": "Ada L.", "email": "ada@example.com", "metadata": ["plan": "pro"]])
        tally.count(from: ["name": "", "email": nil], to: ["name": "Bob"])
        tally.countCreated()
        #expect(tally.changedUsers == 5)
        #expect(tally.clearedUsers == 2)
        #expect(tally.clearedByField == ["email": 2, "metadata.plan": 1])
        #expect(tally.changedByField["name"] == 2)
    }

    @Test func theClearedLimitComesFirstAndNamesTheFields() throws {
        var tally = MassChangeTally()
        for _ in 0..<800 { tally.count(from: ["email": "a@example.com"], to: [:]) }
        let verdict = try #require(tally.verdict(syncedUsers: 1000, limits: limits))
        #expect(verdict.limit == .maxCleared && verdict.share == 0.8)
        #expect(verdict.fieldsText == "email: 800 cleared")
        #expect(MassChangeVerdict.percent(verdict.share) == "80%")
        #expect(MassChangeVerdict.grouped(9812) == "9,812")
    }

    @Test func underTheLimitsOrBelowMinUsersNothingIsHeld() {
        var small = MassChangeTally()
        for _ in 0..<10 { small.count(from: ["name": "a"], to: ["name": "b"]) }
        #expect(small.verdict(syncedUsers: 1000, limits: limits) == nil, "1% changed")
        #expect(small.verdict(syncedUsers: 100, limits: limits) == nil, "exactly 10% is allowed")
        var many = MassChangeTally()
        for _ in 0..<40 { many.count(from: ["name": "a"], to: ["name": "b"]) }
        #expect(many.verdict(syncedUsers: 40, limits: limits) == nil, "fewer synced users than min_users")
        #expect(many.verdict(syncedUsers: 0, limits: limits) == nil, "a first sync")
        #expect(many.verdict(syncedUsers: 100, limits: limits)?.limit == .maxChanged)
    }

    @Test func percentagesReadAsTheConfigWritesThem() {
        #expect(MassChangeLimits.percent(0.1) == "10%")
        #expect(MassChangeLimits.percent(0.025) == "2.5%")
    }
}
