import Foundation
import Logging
import Synchronization
import Testing
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSources
import UserSyncSandbox
import UserSyncStore

/// Log lines kept in memory, to check what an operator is told.
final class CapturedLog: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

    var logger: Logger {
        Logger(label: "usersync.tests.guard") { _ in Handler(log: self) }
    }

    func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        lines.withLock { $0.append((level, message, metadata)) }
    }

    var warnings: [String] { lines.withLock { $0.filter { $0.level == .warning }.map(\.message) } }
    func reset() { lines.withLock { $0.removeAll() } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append(event.level, event.message.description, event.metadata ?? [:])
        }
    }
}

/// `sync.guard`: a cycle that would change or clear too many synced users sends nothing of it
/// to that provider (nor writes it back) until an operator approves it, or the source comes
/// back under the limits; a normal cycle flows as before.
@Suite("Mass-change guard: held for an operator, released by approval or a fixed source")
struct MassChangeGuardTests {
    static let users = (1...1000).map { SourceUser.numbered($0) }

    /// 1,000 users synced to both providers (push only), with a capturing log.
    static func established(_ f: EngineFixture, log: CapturedLog) async throws -> SyncEngine {
        try f.seedPerformChat(users)
        try f.seedCommBox(users)
        try f.writeSource(users)
        let engine = try SyncEngine(config: f.configuration(), client: f.client, logger: log.logger)
        let first = try await engine.runCycle()
        // A first sync: no user is synced yet, so the guard (min_users 50) does not apply.
        #expect(first.plan.held.isEmpty)
        #expect(first.dispatch[.performchat]?.pushed == 1000 && first.dispatch[.commbox]?.pushed == 1000)
        return engine
    }

    /// The source with the e-mail column emptied for u1...u800.
    static var emailsEmptied: [SourceUser] {
        users.map { user in
            var user = user
            if Int(user.id.dropFirst())! <= 800 { user.email = nil }
            return user
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func anEmailColumnEmptiedForEightyPercentIsHeldAndApprovalSendsExactlyThatPlan() async throws {
        try await withEngineFixture { f in
            let log = CapturedLog()
            let engine = try await Self.established(f, log: log)
            try f.writeSource(Self.emailsEmptied)
            f.sandbox.resetRequests()
            log.reset()

            let held = try await engine.runCycle()
            #expect(f.counts.performChat.total == 0 && f.counts.commBox.total == 0, "nothing is sent to either provider")
            for provider in [ProviderID.performchat, .commbox] {
                let verdict = try #require(held.plan.held[provider])
                #expect(verdict.limit == .maxCleared)
                #expect(verdict.users == 800 && verdict.syncedUsers == 1000)
                #expect(verdict.fields.first?.field.lowercased() == "email")
            }
            let warnings = log.warnings.filter { $0.contains("mass change held") }
            #expect(warnings.count == 1, "one warning")
            #expect(warnings.allSatisfy { $0.contains("80%") && $0.contains("800 cleared") && $0.lowercased().contains("email") })
            #expect(held.exitCode == SyncExitStatus.heldForOperator)
            #expect(held.guardHolds.map(\.provider) == [.commbox, .performchat])
            #expect(try engine.store.outboxCount() == 0, "the held plan is not in the outbox")
            #expect(try engine.store.heldPlan(provider: .commbox).count == 800)
            #expect(try engine.store.heldPlan(provider: .performchat).count == 800)

            // Unchanged source: still held, no new warning, no request.
            log.reset()
            let again = try await engine.runCycle()
            #expect(again.plan.skippedUnchanged && again.guardHolds.count == 2)
            #expect(f.counts.performChat.total == 0 && f.counts.commBox.total == 0)
            #expect(log.warnings.filter { $0.contains("mass change held") }.isEmpty)

            // Approved as it stands: exactly the held plan goes out. perform.chat cannot clear
            // an e-mail (its API keeps the address), so its part costs no write there.
            #expect(try engine.store.approveHeldPlan(provider: .performchat) == 800)
            #expect(try engine.store.approveHeldPlan(provider: .commbox) == 800)
            let sent = try await engine.runCycle()
            #expect(sent.plan.skippedUnchanged)
            #expect(sent.guardHolds.isEmpty && sent.exitCode == SyncExitStatus.ok)
            #expect(sent.dispatch[.performchat]?.alreadyHeld == 800)
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 0)
            #expect(f.counts.commBox.route("POST /users/:id") == 800)
            #expect(try engine.store.outboxCount() == 0)
            let commBox = Dictionary(f.sandbox.commBoxUsers().compactMap { u in u.uniqueID.map { ($0, u) } }, uniquingKeysWith: { a, _ in a })
            #expect((commBox["u1"]?.email ?? "").isEmpty && commBox["u900"]?.email == "u900@example.com")
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func theSameSourceFixedInsteadDropsTheHoldAndNothingWrongIsEverSent() async throws {
        try await withEngineFixture { f in
            let log = CapturedLog()
            let engine = try await Self.established(f, log: log)
            try f.writeSource(Self.emailsEmptied)
            f.sandbox.resetRequests()
            _ = try await engine.runCycle()
            #expect(try engine.store.guardHolds().count == 2)

            // The export is fixed, and one real edit comes with it.
            var fixed = Self.users
            fixed[4].name = "Renamed Five"
            try f.writeSource(fixed)
            let report = try await engine.runCycle()
            #expect(report.plan.held.isEmpty && report.guardHolds.isEmpty)
            #expect(try engine.store.heldPlan(provider: .performchat).isEmpty)
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 1)
            #expect(f.counts.commBox.route("POST /users/:id") == 1)
            _ = try await engine.runCycle()
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 1, "the dropped plan never comes back")
            #expect(f.sandbox.commBoxUsers().allSatisfy { !($0.email ?? "").isEmpty }, "no e-mail was ever cleared")
            f.expectPerformChatMatches(fixed)
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func aOnePercentChangeUnderTheDefaultLimitsFlowsNormally() async throws {
        try await withEngineFixture { f in
            let log = CapturedLog()
            let engine = try await Self.established(f, log: log)
            var edited = Self.users
            for i in stride(from: 0, to: 1000, by: 100) { edited[i].name = "Edited \(i)" }
            try f.writeSource(edited)
            f.sandbox.resetRequests()
            let report = try await engine.runCycle()
            #expect(report.plan.held.isEmpty && report.guardHolds.isEmpty)
            #expect(report.dispatch[.performchat]?.pushed == 10 && report.dispatch[.commbox]?.pushed == 10)
            #expect(report.exitCode == SyncExitStatus.ok)
            #expect(log.warnings.isEmpty)
        }
    }

    /// Limits are per provider and configurable: raised, the same change flows.
    @Test func limitsAreReadFromTheConfig() throws {
        let yaml = """
            state: {path: /tmp/x/state.db}
            source: {kind: jsonl, path: /tmp/x/users.jsonl, fields: {external_id: id}}
            sync:
              guard: {max_changed: 50%, max_cleared: 2.5%, min_users: 10}
            providers:
              performchat: {base_url: "https://api.perform.chat", key_id: k, key_secret: s}
            """
        let config = try ConfigLoader.parse(yaml: yaml, fileName: "/tmp/x/usersync.yaml", environment: [:], configDirectory: "/tmp/x", providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
        #expect(config.sync.massChange == MassChangeLimits(maxChanged: 0.5, maxCleared: 0.025, minUsers: 10))
        #expect(throws: (any Error).self) {
            try ConfigLoader.parse(
                yaml: yaml.replacingOccurrences(of: "50%", with: "half"), fileName: "/tmp/x/usersync.yaml", environment: [:], configDirectory: "/tmp/x", providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
        }
    }
}

/// The guard on pulls: a provider that suddenly reports most users changed is held the same
/// way: nothing is written back (nor passed on) until approved.
@Suite("Mass-change guard on pulls")
struct MassChangeGuardPullTests {
    @Test(.timeLimit(.minutes(5)))
    func aPullReportingNinetyPercentChangedIsHeldUntilApproved() async throws {
        try await withBiFixture { f in
            let users = (1...100).map {
                BiUser(id: "u\($0)", name: "User \($0)", email: "u\($0)@example.com", metadata: ["plan": "free", "country": "UK"])
            }
            let engine = try await f.establish(users, BiOptions(source: .jsonl))
            for n in 1...90 { try f.editAtPerformChat("u\(n)", name: "Scrambled \(n)") }
            let before = f.writes
            let held = try await engine.runCycle()
            #expect(held.remoteChanges == 0)
            #expect(try f.inboundLines().isEmpty, "nothing written back")
            #expect(f.writes.commBox == before.commBox, "nothing passed on to CommBox")
            let hold = try #require(try engine.store.guardHolds().first)
            #expect(hold.provider == .performchat && hold.direction == .pull && hold.held == 90)
            #expect(hold.verdict.limit == .maxChanged && hold.verdict.users == 90)
            #expect(held.exitCode == SyncExitStatus.heldForOperator)

            // Still held on the next pull.
            let again = try await engine.runCycle()
            #expect(again.remoteChanges == 0 && again.guardHolds.count == 1)
            #expect(try f.inboundLines().isEmpty)

            // Approved: taken as it stands, written back, passed on without a second approval.
            #expect(try engine.store.approvePullHold(provider: .performchat) == 90)
            let taken = try await engine.runCycle()
            #expect(taken.remoteChanges == 90)
            #expect(try f.inboundLines().count == 90)
            #expect(taken.guardHolds.isEmpty)
            #expect(f.commBox("u1")?.firstName == "Scrambled")
        }
    }
}
