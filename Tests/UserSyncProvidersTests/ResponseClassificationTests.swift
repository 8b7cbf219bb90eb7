import AsyncHTTPClient
import Foundation
import Testing
import UserSyncCore
import UserSyncProviders
import UserSyncSandbox

/// Every class of answer, through each adapter's `push`, over real HTTP to the sandbox.
@Suite("Response classification through push")
struct ResponseClassificationTests {
    enum Target: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case performChat, commBox
        var testDescription: String { rawValue }
        var sandboxProvider: SandboxProvider { self == .performChat ? .performChat : .commBox }
    }

    /// Seeds one user at the target provider and pushes a valid document to it once, after
    /// `faults` are installed.
    private func push(
        _ target: Target, faults: SandboxFaults = .none, providerUserID: String? = nil, credentialsOK: Bool = true,
        timeout: Duration = .seconds(10)
    ) async throws -> (PushResult, SandboxRequestCounts) {
        try await withProviderSandbox { h in
            let record = UserRecord(externalID: "ada", name: "Ada Lovelace", email: "ada@example.com", metadata: ["plan": "pro"])
            let adapter: any ProviderAdapter
            let id: String
            switch target {
            case .performChat:
                id = try h.sandbox.seedPerformChatUsers([SandboxPerformChatSeed(externalID: "ada")])[0].id
                adapter = h.performChat(keySecret: credentialsOK ? "demo-key-secret" : "wrong", timeout: timeout)
            case .commBox:
                id = String(try h.sandbox.seedCommBoxUsers([SandboxCommBoxSeed(email: "ada@example.com")])[0].id)
                adapter = h.commBox(token: credentialsOK ? "demo-commbox-token" : "wrong", timeout: timeout)
            }
            h.sandbox.setFaults(faults, for: target.sandboxProvider)
            let document = try adapter.projector.project(record).get()
            let result = await adapter.push(document: document, providerUserID: providerUserID ?? id, record: record)
            return (result, h.counts)
        }
    }

    @Test(arguments: Target.allCases)
    func twoHundredIsSuccess(target: Target) async throws {
        let (result, counts) = try await push(target)
        #expect(result.response == .success)
        #expect(counts[target.sandboxProvider].total == 1)
    }

    @Test(arguments: Target.allCases)
    func fourHundredIsPermanent(target: Target) async throws {
        let (result, _) = try await push(target, faults: SandboxFaults(script: [400]))
        guard case .permanent(400, let message) = result.response else {
            Issue.record("expected permanent 400, got \(result.response)")
            return
        }
        #expect(message == "Bad Request")
    }

    @Test(arguments: Target.allCases, [409, 422])
    func otherRefusalsArePermanent(target: Target, status: Int) async throws {
        let (result, _) = try await push(target, faults: SandboxFaults(script: [.status(status)]))
        #expect(result.response.outcome == "permanent")
        #expect(result.response.status == status)
    }

    @Test(arguments: Target.allCases)
    func refusedCredentialsAreAnAuthenticationFailure(target: Target) async throws {
        let (result, _) = try await push(target, credentialsOK: false)
        guard case .authentication(401, let message) = result.response else {
            Issue.record("expected authentication 401, got \(result.response)")
            return
        }
        #expect(message == (target == .performChat ? "Invalid API credentials" : "Unauthorized"))
    }

    @Test(arguments: Target.allCases, [401, 403])
    func scripted401And403AreAuthenticationFailures(target: Target, status: Int) async throws {
        let (result, _) = try await push(target, faults: SandboxFaults(script: [.status(status)]))
        #expect(result.response.outcome == "authentication")
        #expect(result.response.status == status)
    }

    @Test(arguments: Target.allCases)
    func anUnknownProviderIDIsNotFound(target: Target) async throws {
        let (result, _) = try await push(target, providerUserID: target == .performChat ? "cu_nobody" : "999999")
        guard case .notFound(let message) = result.response else {
            Issue.record("expected notFound, got \(result.response)")
            return
        }
        #expect(!message.isEmpty)
    }

    @Test(arguments: Target.allCases)
    func a429WithRetryAfterSecondsIsRetryLaterWithThatDelay(target: Target) async throws {
        let (result, _) = try await push(target, faults: SandboxFaults(script: [429], retryAfter: "3"))
        guard case .retryLater(429, let retryAfter, _) = result.response else {
            Issue.record("expected retryLater 429, got \(result.response)")
            return
        }
        #expect(retryAfter == RetryAfter(seconds: 3))
    }

    @Test(arguments: Target.allCases)
    func a429WithAnHTTPDateIsRetryLaterWithTheDelayUntilThatDate(target: Target) async throws {
        let until = Date().addingTimeInterval(60)
        let (result, _) = try await push(target, faults: SandboxFaults(script: [429], retryAfter: httpDate(until)))
        let expected = until.timeIntervalSinceNow
        guard case .retryLater(429, let retryAfter?, _) = result.response else {
            Issue.record("expected retryLater 429 with a delay, got \(result.response)")
            return
        }
        // The date has one-second resolution, and the answer was classified a moment before
        // `expected` was taken (the sandbox's shutdown lies in between).
        #expect(retryAfter.seconds <= 60.01 && retryAfter.seconds > expected - 1.01,
                "Retry-After \(retryAfter.seconds) s, expected about \(expected) s")
    }

    @Test(arguments: Target.allCases)
    func a429WithoutRetryAfterIsRetryLaterWithoutDelay(target: Target) async throws {
        let (result, _) = try await push(target, faults: SandboxFaults(script: [429]))
        guard case .retryLater(429, nil, let message) = result.response else {
            Issue.record("expected retryLater 429 without Retry-After, got \(result.response)")
            return
        }
        #expect(!message.isEmpty)
    }

    @Test(arguments: Target.allCases, [500, 502, 503, 504])
    func serverErrorsAreRetryLater(target: Target, status: Int) async throws {
        let (result, _) = try await push(target, faults: SandboxFaults(script: [.status(status)]))
        guard case .retryLater(status, nil, _) = result.response else {
            Issue.record("expected retryLater \(status), got \(result.response)")
            return
        }
    }

    @Test(arguments: Target.allCases)
    func a503WithRetryAfterCarriesTheDelay(target: Target) async throws {
        let (result, _) = try await push(target, faults: SandboxFaults(script: [503], retryAfter: "7"))
        #expect(result.response.retryAfterSeconds == 7)
        #expect(result.response.status == 503)
    }

    @Test(arguments: Target.allCases)
    func aDroppedConnectionIsRetryLaterWithAConnectionMessage(target: Target) async throws {
        let (result, counts) = try await push(target, faults: SandboxFaults(script: [.drop]))
        guard case .retryLater(nil, nil, let message) = result.response else {
            Issue.record("expected retryLater without status, got \(result.response)")
            return
        }
        #expect(message.localizedCaseInsensitiveContains("connection"))
        // A non-idempotent update is not silently re-sent by the HTTP client.
        #expect(counts[target.sandboxProvider].status("dropped") == 1)
        #expect(counts[target.sandboxProvider].total == 1)
    }

    @Test(arguments: Target.allCases)
    func aTimeoutIsRetryLater(target: Target) async throws {
        // A wide margin: the sandbox and the client share the process's two NIO threads with
        // every other test running in parallel, so timers may fire late under load (in one CI
        // run both were seconds late and a 5 s answer came first). The answer never comes in
        // time here; the test still ends at the timeout.
        let (result, _) = try await push(target, faults: SandboxFaults(latencyMilliseconds: 120_000), timeout: .milliseconds(100))
        guard case .retryLater(nil, nil, let message) = result.response else {
            Issue.record("expected retryLater without status, got \(result.response)")
            return
        }
        #expect(message == "request timed out")
    }

    @Test func aRefusedConnectionIsRetryLater() async throws {
        // Start and stop a sandbox to get a loopback port nothing listens on any more.
        let port = try await withProviderSandbox { h in h.sandbox.port! }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let adapter = PerformChatAdapter(
            http: ProviderHTTP(
                provider: .performchat, baseURL: "http://127.0.0.1:\(port)/performchat/rest/v1", client: client,
                gate: OpenGate(), timeout: .milliseconds(500), logger: ProviderHarness.logger),
            credentials: .init(keyID: "k", keySecret: "s"), agentIDForCreation: nil, logger: ProviderHarness.logger)
        let result = await adapter.push(document: ["metadata": [:]], providerUserID: "cu_1", record: UserRecord(externalID: "a"))
        try await client.shutdown()
        #expect(result.response.isRetryLater)
        #expect(result.response.status == nil)
        // AsyncHTTPClient keeps retrying the connection until the request's deadline (so a
        // provider that refuses connections costs the whole timeout), then reports the cause.
        #expect(result.response.message.contains("Connection refused"))
    }

    // MARK: the classification table itself

    @Test(arguments: [
        (200, "success"), (201, "success"), (204, "success"), (400, "permanent"), (401, "authentication"),
        (403, "authentication"), (404, "not_found"), (408, "retry_later"), (409, "permanent"), (422, "permanent"),
        (429, "retry_later"), (500, "retry_later"), (501, "retry_later"), (503, "retry_later"), (599, "retry_later"),
    ])
    func classify(status: Int, outcome: String) {
        #expect(ProviderResponse.classify(status: status, headers: [], message: "m").outcome == outcome)
    }

    @Test func retryAfterParsesSecondsAndAllThreeHTTPDateFormats() throws {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryAfter(header: "120", now: now)?.seconds == 120)
        #expect(RetryAfter(header: " 0 ", now: now)?.seconds == 0)
        #expect(RetryAfter(header: "Sun, 06 Nov 1994 08:50:37 GMT", now: now)?.seconds == 60)
        #expect(RetryAfter(header: "Sunday, 06-Nov-94 08:50:37 GMT", now: now)?.seconds == 60)
        #expect(RetryAfter(header: "Sun Nov  6 08:50:37 1994", now: now)?.seconds == 60)
        // A date in the past means "now", never a negative delay.
        #expect(RetryAfter(header: "Sun, 06 Nov 1994 08:40:37 GMT", now: now)?.seconds == 0)
        #expect(RetryAfter(header: "-5", now: now) == nil)
        #expect(RetryAfter(header: "soon", now: now) == nil)
    }

    @Test func retryAfterDatesParseTheSameWhenParsedConcurrently() async {
        let now = Date(timeIntervalSince1970: 784_111_777)
        let header = "Sun, 06 Nov 1994 08:50:07 GMT"
        let results = await withTaskGroup(of: [Double?].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<100).map { _ in RetryAfter(header: header, now: now)?.seconds } }
            }
            var all: [Double?] = []
            for await batch in group { all += batch }
            return all
        }
        #expect(results.count == 800)
        #expect(Set(results.map { $0 ?? -1 }) == [30])
    }

    @Test func retryAfterHeaderNamesAreCaseInsensitive() {
        let response = ProviderResponse.classify(status: 429, headers: [("retry-after", "4")], message: "slow down")
        #expect(response == .retryLater(status: 429, retryAfter: RetryAfter(seconds: 4), message: "slow down"))
    }
}

