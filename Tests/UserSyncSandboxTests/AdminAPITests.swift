import Foundation
import Testing
import UserSyncSandbox

@Suite("admin API")
struct AdminAPITests {
    @Test("seeding and reading users over HTTP")
    func seedOverHTTP() async throws {
        try await withSandbox { h in
            let created = try await h.send(.POST, h.adminURL + "/performchat/users", json: [
                ["external_id": "u1", "name": "Ann", "email": "ann@example.com", "metadata": ["plan": "pro"]],
                ["external_id": "u2", "id": "cu_77"],
            ])
            #expect(created.status == 200)
            #expect(created.body?[0]?["id"] == "cu_1")
            #expect(created.body?[1]?["id"] == "cu_77")
            let listed = try await h.send(.GET, h.adminURL + "/performchat/users")
            #expect(listed.body?.arrayValue?.compactMap { $0["external_id"]?.stringValue } == ["u1", "u2"])
            #expect(try await h.send(.POST, h.adminURL + "/performchat/users", json: [["external_id": "u1"]]).status == 400)

            let commBox = try await h.send(.POST, h.adminURL + "/commbox/users", json: [
                ["uniqueId": "u1", "firstName": "Ann", "lastName": "Lee", "email": "ann@example.com",
                 "phone1": "1", "content": ["VIP": "1"]],
                ["uniqueId": "u2", "id": 5],
            ])
            #expect(commBox.status == 200)
            let id = try #require(commBox.body?[0]?["id"]?.intValue)
            #expect(commBox.body?[1]?["id"] == 5)
            let read = try await h.send(.GET, h.adminURL + "/commbox/users")
            #expect(read.body?[0]?["content"] == ["VIP": "1"])
            #expect(read.body?[0]?["identities"]?[0]?["streamProviderType"] == 4)
            #expect(h.sandbox.commBoxUser(id: id)?.identityEmails == ["ann@example.com"])
            // Admin requests are not provider requests.
            #expect(h.sandbox.requestCounts() == SandboxRequestCounts())
        }
    }

    @Test("remote edits: perform.chat metadata replaces, CommBox content merges, both bump the update time")
    func remoteEdits() async throws {
        let clock = SandboxManualClock()
        try await withSandbox(SandboxConfiguration(clock: clock.clock)) { h in
            try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u/1", metadata: ["a": 1, "b": 2])])
            let cb = try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(firstName: "Ann", content: ["a": "1"])])[0]
            clock.advance(by: 60)
            let edited = try await h.send(.POST, h.adminURL + "/performchat/users/u%2F1/edit", json: ["name": "X", "metadata": ["c": 3]])
            #expect(edited.status == 200)
            #expect(edited.body?["metadata"] == ["c": 3])
            let user = try #require(h.sandbox.performChatUser(externalID: "u/1"))
            #expect(user.name == "X")
            #expect(user.updatedAt == user.createdAt.addingTimeInterval(60))

            let cbEdit = try await h.send(.POST, h.adminURL + "/commbox/users/\(cb.id)/edit", json: [
                "firstName": "Anna", "email": "anna@example.com", "content": ["b": "2"],
            ])
            #expect(cbEdit.status == 200)
            #expect(cbEdit.body?["content"] == ["a": "1", "b": "2"])
            #expect(h.sandbox.commBoxUser(id: cb.id)?.updatedAt == cb.createdAt.addingTimeInterval(60))
            #expect(try await h.send(.POST, h.adminURL + "/commbox/users/424242/edit", json: ["firstName": "Z"]).status == 404)

            let typed = try h.sandbox.editCommBoxUser(id: cb.id, SandboxCommBoxChange(content: ["a": "9"]))
            #expect(typed.content == ["a": "9", "b": "2"])
        }
    }

    @Test("request counters and log, over HTTP, and their reset")
    func requestCounters() async throws {
        let clock = SandboxManualClock()
        try await withSandbox(SandboxConfiguration(clock: clock.clock)) { h in
            let start = clock.now
            _ = try await h.performChat(.GET, "/customer-users?page=1&limit=100")
            _ = try await h.performChat(.PUT, "/customer-users/cu_9", ["name": "X"])
            clock.advance(by: 1)
            _ = try await h.commBox(.GET, "/users/7")
            let reply = try await h.send(.GET, h.adminURL + "/requests")
            #expect(reply.body?["performchat"]?["total"] == 2)
            #expect(reply.body?["performchat"]?["byRoute"] == ["GET /customer-users": 1, "PUT /customer-users/:id": 1])
            #expect(reply.body?["performchat"]?["byStatus"] == ["200": 1, "404": 1])
            #expect(reply.body?["commbox"]?["byRoute"] == ["GET /users/:id": 1])
            let log = try #require(reply.body?["log"]?.arrayValue)
            #expect(log.count == 3)
            #expect(log[0]["path"] == "/customer-users?page=1&limit=100")
            #expect(log[0]["method"] == "GET")
            #expect(log[2]["provider"] == "commbox")

            let typed = h.sandbox.requestLog()
            #expect(typed.map(\.route) == ["GET /customer-users", "PUT /customer-users/:id", "GET /users/:id"])
            #expect(typed.allSatisfy { $0.time >= start })
            #expect(typed[2].time == start.addingTimeInterval(1))

            #expect(try await h.send(.POST, h.adminURL + "/requests/reset").status == 200)
            #expect(h.sandbox.requestCounts() == SandboxRequestCounts())
            #expect(h.sandbox.requestLog().isEmpty)
        }
    }

    @Test("faults, limits and credentials set over HTTP; reset restores the start state")
    func faultsLimitsCredentialsReset() async throws {
        try await withSandbox { h in
            let faults = try await h.send(.POST, h.adminURL + "/faults", json: [
                "provider": "commbox", "script": [503, "drop", 200], "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT",
            ])
            #expect(faults.status == 200)
            #expect(faults.body?["script_remaining"] == [503, "drop", 200])
            #expect(h.sandbox.faults(for: .commBox).script == [503, .drop, 200])
            let injected = try await h.commBox(.GET, "/users/1")
            #expect(injected.status == 503)
            #expect(injected.headers.first(name: "Retry-After") == "Wed, 21 Oct 2015 07:28:00 GMT")
            #expect(h.sandbox.remainingScript(for: .commBox) == [.drop, 200])
            #expect(try await h.send(.POST, h.adminURL + "/faults", json: ["provider": "nope"]).status == 400)
            #expect(try await h.send(.POST, h.adminURL + "/faults", json: ["provider": "commbox", "failure_rate": 2]).status == 400)
            // A body with only the provider clears its faults.
            #expect(try await h.send(.POST, h.adminURL + "/faults", json: ["provider": "commbox"]).status == 200)
            #expect(h.sandbox.faults(for: .commBox) == SandboxFaults())

            let credentials = try await h.send(.POST, h.adminURL + "/credentials", json: ["keySecret": "rotated", "token": "t2"])
            #expect(credentials.status == 200)
            #expect(try await h.performChat(.GET, "/customer-users").status == 401)
            let rotated = try await h.send(.GET, h.performChatURL + "/customer-users", json: ["keyId": "demo-key-id", "keySecret": "rotated"])
            #expect(rotated.status == 200)
            #expect(try await h.commBox(.GET, "/users/1", token: "t2").status == 404)
            #expect(try await h.commBox(.GET, "/users/1").status == 401)

            let limits = try await h.send(.POST, h.adminURL + "/limits", json: [
                "provider": "performchat", "requests_per_minute": 1, "retry_after_mode": "none",
            ])
            #expect(limits.status == 200)
            #expect(h.sandbox.limit(for: .performChat) == SandboxRateLimit(requestsPerMinute: 1, retryAfterMode: .none))
            #expect(try await h.send(.GET, h.performChatURL + "/customer-users", json: ["keyId": "demo-key-id", "keySecret": "rotated"]).status == 200)
            let throttled = try await h.send(.GET, h.performChatURL + "/customer-users", json: ["keyId": "demo-key-id", "keySecret": "rotated"])
            #expect(throttled.status == 429)
            #expect(throttled.headers.first(name: "Retry-After") == nil)

            try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "u1")])
            #expect(try await h.send(.POST, h.adminURL + "/reset").status == 200)
            #expect(h.sandbox.performChatUsers().isEmpty)
            #expect(h.sandbox.faults(for: .commBox) == SandboxFaults())
            #expect(h.sandbox.limit(for: .performChat) == .performChatDefault)
            #expect(h.sandbox.credentials == SandboxCredentials())
            #expect(try await h.performChat(.GET, "/customer-users").status == 200)
        }
    }

    @Test("seed file shape loads both providers")
    func seedJSON() throws {
        let sandbox = SandboxServer()
        try sandbox.seed(fromJSON: Data("""
            {"performchat": [{"external_id": "u1", "name": "Ann"}],
             "commbox": [{"uniqueId": "u1", "email": "ann@example.com", "content": {"VIP": "1"}}]}
            """.utf8))
        #expect(sandbox.performChatUsers().map(\.externalID) == ["u1"])
        #expect(sandbox.commBoxUsers().first?.content == ["VIP": "1"])
        #expect(throws: SandboxError.self) { try sandbox.seed(fromJSON: Data("{\"other\": []}".utf8)) }
    }

    @Test("a non-loopback host is refused")
    func loopbackOnly() async throws {
        let sandbox = SandboxServer(configuration: SandboxConfiguration(host: "0.0.0.0"))
        await #expect(throws: SandboxError.nonLoopbackHost("0.0.0.0")) { try await sandbox.start() }
        #expect(SandboxConfiguration.isLoopback("127.0.0.1"))
        #expect(SandboxConfiguration.isLoopback("::1"))
        #expect(!SandboxConfiguration.isLoopback("192.168.1.10"))
    }
}
