import Foundation
import Testing
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSandbox
import UserSyncStore

/// `usersync plan` → `usersync apply`: the reviewed plan is enqueued exactly, a stale one is
/// refused unless forced, and a plan over a `sync.guard` limit needs an explicit approval.
@Suite("Plan then apply: exactly the reviewed plan, refused when stale")
struct PlanApplyTests {
    @Test(.timeLimit(.minutes(3)))
    func aFiveThousandUserFirstSyncSendsExactlyThePlannedRequests() async throws {
        try await withEngineFixture { f in
            let users = (1...5000).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let options = EngineOptions(commBox: false)
            let config = try f.configuration(options)
            var planned: [String] = []
            let preview = try SyncEngine.preview(options: SyncEngine.Options(config), providers: nil, logger: EngineFixture.logger) { change, previous in
                #expect(previous == nil && change.kind == .create)
                planned.append(change.externalID)
            }
            #expect(planned.count == 5000 && preview.report.summary.changes == 5000)
            #expect(preview.held.isEmpty, "a first sync: the guard does not apply")
            #expect(f.counts.performChat.total == 0, "planning sends nothing")

            let engine = try f.engine(options)
            guard case .applied(let changes, let differences) = try engine.apply(preview.stamp, force: false, approveMassChange: false) else {
                Issue.record("the fresh plan was not applied")
                return
            }
            #expect(changes == 5000 && differences.isEmpty)
            #expect(try engine.store.outboxCount() == 5000)
            let report = try await engine.runCycle()
            #expect(report.plan.skippedUnchanged, "the applied plan counts as this source's plan")
            let pc = f.counts.performChat
            #expect(pc.route("PUT /customer-users/:id") == 5000)
            #expect(Set(f.sandbox.performChatUsers().map(\.externalID)) == Set(planned))
            f.expectPerformChatMatches(users)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func applyAfterASourceEditIsRefusedAsStaleAndForceAppliesThePlanAsItIsNow() async throws {
        try await withEngineFixture { f in
            let users = (1...200).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let options = EngineOptions(commBox: false)
            let preview = try SyncEngine.preview(options: SyncEngine.Options(f.configuration(options)), providers: nil, logger: EngineFixture.logger) { _, _ in }
            var edited = users
            edited[0].name = "Edited After Review"
            try f.writeSource(edited)
            let engine = try f.engine(options)
            guard case .stale(let reasons) = try engine.apply(preview.stamp, force: false, approveMassChange: false) else {
                Issue.record("a stale plan was applied")
                return
            }
            #expect(reasons.contains { $0.contains("source changed") })
            #expect(try engine.store.outboxCount() == 0, "nothing enqueued")
            guard case .applied(let changes, let differences) = try engine.apply(preview.stamp, force: true, approveMassChange: false) else {
                Issue.record("--force did not apply")
                return
            }
            #expect(changes == 200 && !differences.isEmpty)
            _ = try await engine.runCycle()
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 200)
            f.expectPerformChatMatches(edited)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func applyHonoursTheGuardOnlyWithAnExplicitApproval() async throws {
        try await withEngineFixture { f in
            let users = (1...100).map { SourceUser.numbered($0) }
            try f.seedPerformChat(users)
            try f.writeSource(users)
            let options = EngineOptions(commBox: false)
            let engine = try f.engine(options)
            _ = try await engine.runCycle()
            let renamed = users.map { user in
                var user = user
                user.name = "Renamed \(user.id)"
                return user
            }
            try f.writeSource(renamed)
            let preview = try SyncEngine.preview(options: SyncEngine.Options(f.configuration(options)), providers: [.performchat], logger: EngineFixture.logger) { _, _ in }
            #expect(preview.held[.performchat]?.limit == .maxChanged)
            guard case .overLimit = try engine.apply(preview.stamp, force: false, approveMassChange: false) else {
                Issue.record("a plan over the limit was applied without approval")
                return
            }
            #expect(try engine.store.outboxCount() == 0)
            guard case .applied(let changes, _) = try engine.apply(preview.stamp, force: false, approveMassChange: true) else {
                Issue.record("the approved plan was not applied")
                return
            }
            #expect(changes == 100)
            f.sandbox.resetRequests()
            _ = try await engine.runCycle()
            #expect(f.counts.performChat.route("PUT /customer-users/:id") == 100)
        }
    }
}
