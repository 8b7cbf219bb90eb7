import Foundation
import GRDB
import Testing
import UserSyncCore
@testable import UserSyncStore

@Suite("StateStore: one profile, one user")
struct IdentityStoreTests {
    /// The rule lives in the schema: even SQL written by hand cannot bind a profile twice.
    @Test func theSchemaRefusesASecondBindingOfOneProfile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/state.db"
            _ = try StateStore.open(path: path)
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "INSERT INTO id_map (provider, external_id, provider_user_id, learned_at) VALUES ('commbox', 'u1', '5', 0)")
            }
            #expect(throws: DatabaseError.self) {
                try queue.write { db in
                    try db.execute(sql: "INSERT INTO id_map (provider, external_id, provider_user_id, learned_at) VALUES ('commbox', 'u2', '5', 0)")
                }
            }
            // Another provider may use the same id for someone else.
            try queue.write { db in
                try db.execute(sql: "INSERT INTO id_map (provider, external_id, provider_user_id, learned_at) VALUES ('performchat', 'u2', '5', 0)")
            }
            try queue.close()
        }
    }

    @Test func aBindingToATakenProfileIsRefusedAndReturned() throws {
        try withStore { store in
            #expect(try store.storeIDMappings(provider: .commbox, [("u1", "5")]).isEmpty)
            let refused = try store.storeIDMappings(provider: .commbox, [("u2", "5"), ("u3", "6")])
            #expect(refused == [RefusedBinding(externalID: "u2", providerUserID: "5", boundTo: "u1")])
            #expect(try store.providerUserID(provider: .commbox, externalID: "u2") == nil)
            #expect(try store.providerUserID(provider: .commbox, externalID: "u3") == "6")
            #expect(try store.boundExternalID(provider: .commbox, providerUserID: "5") == "u1")
            // Binding the same pair again is no conflict.
            #expect(try store.storeIDMappings(provider: .commbox, [("u1", "5")]).isEmpty)
        }
    }

    /// A state written before the rule held the same profile for two users: both bindings
    /// are dropped on upgrade (each user is looked up again, and held if still ambiguous).
    @Test func upgradingDropsBindingsThatBrokeTheRule() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/state.db"
            let queue = try DatabaseQueue(path: path)
            try StateMigrations.migrator.migrate(queue, upTo: "v2: bidirectional sync (accepted remote changes, conflict details, pulls)")
            try queue.write { db in
                for (id, profile) in [("u1", "5"), ("u2", "5"), ("u3", "6")] {
                    try db.execute(
                        sql: "INSERT INTO id_map (provider, external_id, provider_user_id, learned_at) VALUES ('commbox', ?, ?, 0)",
                        arguments: [id, profile])
                }
            }
            try queue.close()
            let store = try StateStore.open(path: path)
            #expect(try store.providerUserID(provider: .commbox, externalID: "u1") == nil)
            #expect(try store.providerUserID(provider: .commbox, externalID: "u2") == nil)
            #expect(try store.providerUserID(provider: .commbox, externalID: "u3") == "6")
        }
    }

    @Test func sharedEmailGroupsAreReplacedWhole() throws {
        try withStore { store in
            try store.replaceSharedEmails([["u1", "u2", "u3"]])
            #expect(try store.sharedEmailPartners(["u1", "u4"]) == ["u1": ["u2", "u3"]])
            try store.replaceSharedEmails([])
            #expect(try store.sharedEmailPartners(["u1"]).isEmpty)
        }
    }
}
