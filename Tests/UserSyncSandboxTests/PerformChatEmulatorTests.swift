import Foundation
import Testing
import UserSyncSandbox

@Suite("perform.chat emulation")
struct PerformChatEmulatorTests {
    @Test("GET with a JSON body lists users in creation order, paginated")
    func listWithBodyAndPagination() async throws {
        try await withSandbox { h in
            // Given five users
            try h.sandbox.seedPerformChatUsers((1...5).map { SandboxPerformChatSeed(externalID: "u\($0)", name: "User \($0)") })
            // When the second page of two is asked for
            let page = try await h.performChat(.GET, "/customer-users?page=2&limit=2")
            // Then users 3 and 4 come back with the pagination block
            #expect(page.status == 200)
            #expect(page.body?["data"]?.arrayValue?.compactMap { $0["external_id"]?.stringValue } == ["u3", "u4"])
            #expect(page.body?["pagination"] == ["page": 2, "limit": 2, "total": 5, "total_pages": 3])
            // And the defaults are page 1, limit 20
            let all = try await h.performChat(.GET, "/customer-users")
            #expect(all.body?["pagination"] == ["page": 1, "limit": 20, "total": 5, "total_pages": 1])
            #expect(all.body?["data"]?.arrayValue?.first?["id"] == "cu_1")
        }
    }

    @Test("filters match exactly, and limit is capped at 100")
    func filtersAndLimit() async throws {
        try await withSandbox { h in
            try h.sandbox.seedPerformChatUsers([
                SandboxPerformChatSeed(externalID: "a", email: "ann@example.com"),
                SandboxPerformChatSeed(externalID: "ab", email: "Ann@example.com"),
            ])
            let byID = try await h.performChat(.GET, "/customer-users?limit=1", ["external_id": "a"])
            #expect(byID.body?["data"]?.arrayValue?.count == 1)
            #expect(byID.body?["data"]?[0]?["external_id"] == "a")
            let byEmail = try await h.performChat(.GET, "/customer-users", ["email": "ann@example.com"])
            #expect(byEmail.body?["pagination"]?["total"] == 1)
            let none = try await h.performChat(.GET, "/customer-users", ["external_id": "zz"])
            #expect(none.body?["pagination"] == ["page": 1, "limit": 20, "total": 0, "total_pages": 0])

            #expect(try await h.performChat(.GET, "/customer-users?limit=100").status == 200)
            let tooMany = try await h.performChat(.GET, "/customer-users?limit=101")
            #expect(tooMany.status == 400)
            #expect(tooMany.body?["message"] == "limit must not be greater than 100")
            #expect(try await h.performChat(.GET, "/customer-users?page=0").status == 400)
        }
    }

    @Test("unknown keys, invalid JSON and wrong types are 400 in NestJS shape")
    func strictValidation() async throws {
        try await withSandbox { h in
            let unknown = try await h.performChat(.GET, "/customer-users", ["externalId": "x"])
            #expect(unknown.status == 400)
            #expect(unknown.body == ["statusCode": 400, "message": "property externalId should not exist", "error": "Bad Request"])

            let invalid = try await h.send(.GET, h.performChatURL + "/customer-users", rawBody: "{\"keyId\": ")
            #expect(invalid.status == 400)
            #expect(invalid.body?["error"] == "Bad Request")

            try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u1")])
            let wrongType = try await h.performChat(.PUT, "/customer-users/cu_1", ["metadata": "plan=pro"])
            #expect(wrongType.status == 400)
            #expect(wrongType.body?["message"] == "metadata must be an object")
            let notAllowedOnPut = try await h.performChat(.PUT, "/customer-users/cu_1", ["external_id": "u2"])
            #expect(notAllowedOnPut.body?["message"] == "property external_id should not exist")
        }
    }

    @Test("PUT replaces metadata whole and bumps updated_at")
    func putReplacesMetadata() async throws {
        let clock = SandboxManualClock()
        try await withSandbox(SandboxConfiguration(clock: clock.clock)) { h in
            // Given a user with two metadata keys
            try h.sandbox.seedPerformChatUsers([
                SandboxPerformChatSeed(externalID: "u1", name: "Ann", metadata: ["plan": "free", "country": "US"]),
            ])
            clock.advance(by: 5)
            // When a PUT sends only one key
            let reply = try await h.performChat(.PUT, "/customer-users/cu_1", ["metadata": ["plan": "pro"]])
            // Then the other key is gone, the name stays, and updated_at moved
            #expect(reply.status == 200)
            #expect(reply.body?["metadata"] == ["plan": "pro"])
            #expect(reply.body?["name"] == "Ann")
            let stored = try #require(h.sandbox.performChatUser(externalID: "u1"))
            #expect(stored.metadata == ["plan": "pro"])
            #expect(stored.updatedAt == stored.createdAt.addingTimeInterval(5))
            #expect(reply.body?["updated_at"]?.stringValue?.hasSuffix("Z") == true)
        }
    }

    @Test("PUT on an unknown id is the documented 404")
    func putUnknown() async throws {
        try await withSandbox { h in
            let reply = try await h.performChat(.PUT, "/customer-users/cu_404", ["name": "X"])
            #expect(reply.status == 404)
            #expect(reply.body == ["statusCode": 404, "message": "Customer user not found", "error": "Not Found"])
        }
    }

    @Test("token generation creates the customer user once, under customerUser or user")
    func tokenCreatesUser() async throws {
        try await withSandbox { h in
            let first = try await h.performChat(.POST, "/auth/token", ["userId": "ext-1", "agentId": "agent-1"])
            #expect(first.status == 200)
            #expect(first.body?["token"]?.stringValue?.isEmpty == false)
            #expect(first.body?["expiresAt"]?.stringValue != nil)
            #expect(first.body?["customerUser"]?["external_id"] == "ext-1")
            let id = try #require(first.body?["customerUser"]?["id"]?.stringValue)
            #expect(id.hasPrefix("cu_"))
            let again = try await h.performChat(.POST, "/auth/token", ["userId": "ext-1", "agentId": "agent-1", "expiresIn": 60])
            #expect(again.body?["customerUser"]?["id"]?.stringValue == id)
            #expect(h.sandbox.performChatUsers().count == 1)
            let missingAgent = try await h.performChat(.POST, "/auth/token", ["userId": "ext-2"])
            #expect(missingAgent.status == 400)
        }
        try await withSandbox(SandboxConfiguration(tokenUserKey: .user)) { h in
            let reply = try await h.performChat(.POST, "/auth/token", ["userId": "ext-1", "agentId": "a"])
            #expect(reply.body?["user"]?["external_id"] == "ext-1")
            #expect(reply.body?["customerUser"] == nil)
        }
    }

    @Test("wrong credentials are 401; a missing body too")
    func unauthorized() async throws {
        try await withSandbox { h in
            let wrong = try await h.performChat(.GET, "/customer-users", ["keySecret": "nope"])
            #expect(wrong.status == 401)
            #expect(wrong.body == ["statusCode": 401, "message": "Invalid API credentials", "error": "Unauthorized"])
            let noBody = try await h.send(.GET, h.performChatURL + "/customer-users")
            #expect(noBody.status == 401)
        }
    }

    @Test("10 failed authentications lock the key out, even with the right secret, until the window passes")
    func lockout() async throws {
        let clock = SandboxManualClock()
        try await withSandbox(SandboxConfiguration(clock: clock.clock)) { h in
            // Given ten failures within the window
            for _ in 1...10 {
                #expect(try await h.performChat(.GET, "/customer-users", ["keySecret": "wrong"]).status == 401)
                clock.advance(by: 10)
            }
            // When the right secret is sent
            let locked = try await h.performChat(.GET, "/customer-users")
            // Then it is refused with 429 and a Retry-After until the first failure leaves the window
            #expect(locked.status == 429)
            #expect(locked.headers.first(name: "Retry-After") == "200")
            // And another key id is unaffected
            let other = try await h.send(.GET, h.performChatURL + "/customer-users", json: ["keyId": "other", "keySecret": "x"])
            #expect(other.status == 401)
            // When the window has passed, the key works again
            clock.advance(by: 200)
            #expect(try await h.performChat(.GET, "/customer-users").status == 200)
        }
    }

    @Test("the lockout limit is configurable")
    func configurableLockoutLimit() async throws {
        // The window's expiry is covered above with the manual clock: real time is unreliable
        // on a loaded CI machine.
        let configuration = SandboxConfiguration(authFailureLimit: 2, authFailureWindowSeconds: 60)
        try await withSandbox(configuration) { h in
            _ = try await h.performChat(.GET, "/customer-users", ["keySecret": "wrong"])
            #expect(try await h.performChat(.GET, "/customer-users").status == 200)
            _ = try await h.performChat(.GET, "/customer-users", ["keySecret": "wrong"])
            #expect(try await h.performChat(.GET, "/customer-users").status == 429)
        }
    }
}
