import Foundation
import Testing
import UserSyncSandbox

@Suite("CommBox emulation")
struct CommBoxEmulatorTests {
    private func seedAnn(_ h: SandboxHarness) throws -> Int {
        let created = try h.sandbox.seedCommBoxUsers([
            SandboxCommBoxSeed(
                uniqueID: "u1", firstName: "Ann", lastName: "Lee", email: "ann+vip@example.com", phone1: "123",
                content: ["VIP_Status": "8", "Birth_Date": "1983-01-01"]),
        ])
        return created[0].id
    }

    @Test("POST /users/{id} takes the data envelope: present fields override, absent stay, Content merges")
    func envelopeUpdate() async throws {
        try await withSandbox { h in
            let id = try seedAnn(h)
            let reply = try await h.commBox(.POST, "/users/\(id)", json: [
                "data": ["FirstName": "Anna", "Phone2": "", "Content": ["VIP_Status": "9", "Plan": "pro"]],
            ])
            #expect(reply.status == 200)
            #expect(reply.body?["status"] == "200")
            #expect(reply.body?["description"] == "Operation successful")
            #expect(reply.body?["data"] == ["Id": .int(id)])
            #expect(reply.body?["response_time"]?.stringValue?.hasSuffix("Z") == true)
            let user = try #require(h.sandbox.commBoxUser(id: id))
            #expect(user.firstName == "Anna")
            #expect(user.lastName == "Lee")
            #expect(user.phone1 == "123")
            #expect(user.phone2 == "")
            #expect(user.content == ["VIP_Status": "9", "Plan": "pro", "Birth_Date": "1983-01-01"])
        }
    }

    @Test("values over the documented lengths are 400, and nothing is stored")
    func lengthLimits() async throws {
        try await withSandbox { h in
            let id = try seedAnn(h)
            let limits = ["UniqueId": 50, "FirstName": 100, "LastName": 100, "Email": 255, "Phone1": 100, "Phone2": 100]
            for (field, limit) in limits {
                let atLimit = try await h.commBox(.POST, "/users/\(id)", json: ["data": [field: .string(String(repeating: "x", count: limit))]])
                #expect(atLimit.status == 200, "\(field) at its limit")
                let over = try await h.commBox(.POST, "/users/\(id)", json: ["data": [field: .string(String(repeating: "y", count: limit + 1))]])
                #expect(over.status == 400, "\(field) over its limit")
                #expect(over.body?["status"] == "400")
            }
            #expect(h.sandbox.commBoxUser(id: id)?.firstName == String(repeating: "x", count: 100))
        }
    }

    @Test("unknown ids are 404, bad bodies 400, missing or wrong tokens 401")
    func errors() async throws {
        try await withSandbox { h in
            let id = try seedAnn(h)
            #expect(try await h.commBox(.POST, "/users/999", json: ["data": ["FirstName": "X"]]).status == 404)
            #expect(try await h.commBox(.GET, "/users/999").status == 404)
            #expect(try await h.commBox(.POST, "/users/\(id)", json: ["FirstName": "no envelope"]).status == 400)
            #expect(try await h.commBox(.POST, "/users/\(id)", json: ["data": ["Content": "not an object"]]).status == 400)
            let wrong = try await h.commBox(.GET, "/users/\(id)", token: "wrong")
            #expect(wrong.status == 401)
            #expect(wrong.body == ["status": "401", "description": "Unauthorized"])
            #expect(try await h.send(.GET, h.commBoxURL + "/users/\(id)").status == 401)
        }
    }

    @Test("GET /users/{id} returns lower-camel fields with content encoded as a string")
    func getUser() async throws {
        try await withSandbox { h in
            let id = try seedAnn(h)
            let reply = try await h.commBox(.GET, "/users/\(id)")
            #expect(reply.status == 200)
            #expect(reply.body?["status"] == "200")
            let data = try #require(reply.body?["data"])
            #expect(data["id"] == .int(id))
            #expect(data["firstName"] == "Ann")
            #expect(data["uniqueId"] == "u1")
            #expect(data["gender"] == .null)
            #expect(data["locale"] == "en")
            #expect(data["userTags"] == "[]")
            let content = try #require(data["content"]?.stringValue)
            #expect(try SandboxJSON.parse(content) == ["VIP_Status": "8", "Birth_Date": "1983-01-01"])
            #expect(data["identities"] == [[
                "streamProviderId": "ann+vip@example.com", "streamProviderType": 4, "firstName": "Ann", "lastName": "Lee",
            ]])
            #expect(data["updatedAt"]?.stringValue != nil)
        }
    }

    @Test("lookup by identity: both parameters, URL-decoded; 404 when unknown")
    func identityLookup() async throws {
        try await withSandbox { h in
            let id = try seedAnn(h)
            let found = try await h.commBox(.GET, "/users/0?streamProviderId=ann%2Bvip%40example.com&streamProviderType=4")
            #expect(found.status == 200)
            #expect(found.body?["data"]?["id"] == .int(id))
            // An unencoded + is a space, as in any form-decoded query: the client must encode it.
            let unencoded = try await h.commBox(.GET, "/users/0?streamProviderId=ann+vip@example.com&streamProviderType=4")
            #expect(unencoded.status == 404)
            #expect(try await h.commBox(.GET, "/users/0?streamProviderId=ann%2Bvip%40example.com").status == 400)
            #expect(try await h.commBox(.GET, "/users/0?streamProviderType=4").status == 400)
            #expect(try await h.commBox(.GET, "/users/0?streamProviderId=nobody%40example.com&streamProviderType=4").status == 404)
            // A changed e-mail is a new identity; the old one still finds the user.
            _ = try await h.commBox(.POST, "/users/\(id)", json: ["data": ["Email": "ann@new.example"]])
            let byNew = try await h.commBox(.GET, "/users/0?streamProviderId=ann%40new.example&streamProviderType=4")
            #expect(byNew.body?["data"]?["id"] == .int(id))
            #expect(byNew.body?["data"]?["identities"]?.arrayValue?.count == 2)
        }
    }
}
