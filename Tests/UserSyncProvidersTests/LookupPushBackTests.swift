import Testing
import UserSyncCore
import UserSyncProviders
import UserSyncSandbox

/// Id lookups made one by one must stop as soon as the provider pushes back (429, 5xx) or
/// refuses the credentials: the remaining users get the same answer without a request.
/// Otherwise one dispatch batch (200 users) becomes 200 requests into a throttled provider,
/// or 200 failed authentications (perform.chat locks a key after 10 in 5 minutes).
@Suite("Lookups stop at the first push-back")
struct LookupPushBackTests {
    static let emails = (1...5).map { "user\($0)@example.com" }

    @Test
    func commBoxLookupsStopAtTheFirst429() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedCommBoxUsers(Self.emails.map { SandboxCommBoxSeed(email: $0) })
            h.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 429, retryAfter: "30"), for: .commBox)
            let records = Self.emails.enumerated().map { UserRecord(externalID: "u\($0.offset)", email: $0.element) }
            let resolved = await h.commBox().resolveIDs(for: records)
            #expect(h.counts.commBox.total == 1)
            for record in records {
                guard case .failed(let response)? = resolved[record.externalID] else {
                    Issue.record("\(record.externalID): \(String(describing: resolved[record.externalID]))")
                    continue
                }
                #expect(response.status == 429)
            }
        }
    }

    @Test
    func commBoxLookupsStopAtTheFirst401() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedCommBoxUsers(Self.emails.map { SandboxCommBoxSeed(email: $0) })
            let records = Self.emails.enumerated().map { UserRecord(externalID: "u\($0.offset)", email: $0.element) }
            let resolved = await h.commBox(token: "revoked").resolveIDs(for: records)
            #expect(h.counts.commBox.total == 1)
            #expect(resolved.values.allSatisfy { if case .failed(.authentication) = $0 { true } else { false } })
        }
    }

    @Test
    func performChatLookupsStopAtTheFirst429() async throws {
        try await withProviderSandbox { h in
            try h.sandbox.seedPerformChatUsers((1...1000).map { SandboxPerformChatSeed(externalID: "u\($0)") })
            // The first list page answers; every lookup after it is throttled.
            h.sandbox.setFaults(SandboxFaults(failureRate: 1, failureStatus: 429, script: [200], retryAfter: "30"), for: .performChat)
            let records = [500, 600, 700, 800, 900].map { UserRecord(externalID: "u\($0)") }
            let resolved = await h.performChat().resolveIDs(for: records)
            #expect(h.counts.performChat.total == 2)
            for record in records { #expect(resolved[record.externalID]?.failedStatus == 429) }
        }
    }
}

extension IDResolution {
    var failedStatus: Int? {
        if case .failed(let response) = self { return response.status }
        return nil
    }
}
