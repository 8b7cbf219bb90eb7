import Foundation
import Testing
import UserSyncCore
@testable import UserSyncDaemon
@testable import UserSyncEngine
import UserSyncStore

@Suite("STATUS= line")
struct StatusLineTests {
    let date = Date(timeIntervalSince1970: 1_790_000_000)

    var clock: String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: date)
    }

    func report(pushed: [ProviderID: Int] = [:], rejected: Int = 0, queues: [ProviderID: Int] = [.performchat: 0, .commbox: 0]) -> CycleReport {
        var summary = PlanSummary()
        if rejected > 0 { summary.rejectedByReason = ["invalid_email": rejected] }
        var report = CycleReport(dryRun: false, plan: PlanReport(summary: summary), startedAt: date)
        for (provider, queued) in queues {
            var dispatch = DispatchReport(provider: provider)
            dispatch.pushed = pushed[provider] ?? 0
            report.dispatch[provider] = dispatch
            report.queues[provider] = .init(queued: queued)
        }
        return report
    }

    @Test func documentedShapeWithProvidersInConfigOrder() {
        let line = StatusLine.make(report(pushed: [.performchat: 2, .commbox: 1], rejected: 1), providers: [.performchat, .commbox], pauses: [:], at: date)
        #expect(line == "last cycle \(clock): 3 pushed, 0 failed, 1 rejected; queue 0; performchat ok; commbox ok")
    }

    @Test func aMassChangeHeldByTheGuardIsNamedAtItsProvider() {
        var r = report()
        let verdict = MassChangeVerdict(
            limit: .maxCleared, limitShare: 0.02, users: 800, syncedUsers: 1000, fields: [.init(field: "email", users: 800)], verb: "cleared")
        r.guardHolds = [GuardHold(provider: .commbox, direction: .push, verdict: verdict, held: 800, heldAt: 0)]
        #expect(StatusLine.make(r, providers: [.performchat, .commbox], pauses: [:], at: date)
            == "last cycle \(clock): 0 pushed, 0 failed, 0 rejected; queue 0; performchat ok; commbox ok, held: mass change (usersync approve)")
        #expect(r.exitCode == SyncExitStatus.heldForOperator)
    }

    @Test func aPausedProviderShowsTheStatus() {
        var r = report(queues: [.performchat: 4, .commbox: 0])
        r.dispatch[.performchat]?.pausedReason = "HTTP 401: Invalid API credentials"
        #expect(StatusLine.make(r, providers: [.performchat, .commbox], pauses: [:], at: date)
            == "last cycle \(clock): 0 pushed, 0 failed, 0 rejected; queue 4; performchat paused (401); commbox ok")
        // A pause recorded in the state counts even when this cycle did not touch the provider.
        #expect(StatusLine.make(report(), providers: [.performchat, .commbox], pauses: [.commbox: "HTTP 403: Forbidden"], at: date)
            == "last cycle \(clock): 0 pushed, 0 failed, 0 rejected; queue 0; performchat ok; commbox paused (403)")
    }

    @Test func aProviderHoldingOffIsBackingOff() {
        var r = report()
        r.dispatch[.commbox]?.heldUntil = date.timeIntervalSince1970 + 30
        r.dispatch[.commbox]?.retrying = 2
        #expect(StatusLine.make(r, providers: [.performchat, .commbox], pauses: [:], at: date)
            == "last cycle \(clock): 0 pushed, 2 failed, 0 rejected; queue 0; performchat ok; commbox backing off")
    }

    @Test func onlyEnabledProvidersAppear() {
        let line = StatusLine.make(report(queues: [.commbox: 1]), providers: [.commbox], pauses: [:], at: date)
        #expect(line == "last cycle \(clock): 0 pushed, 0 failed, 0 rejected; queue 1; commbox ok")
    }
}

@Suite("STATUS= line: parked and held users")
struct StatusLineHeldTests {
    @Test func parkedAndHeldUsersAreNamedNotQueued() {
        // Given one user waiting, two parked, one held for identity and one held by a conflict
        let date = Date(timeIntervalSince1970: 1_790_000_000)
        var report = CycleReport(dryRun: false, plan: PlanReport(), startedAt: date)
        report.dispatch[.performchat] = DispatchReport(provider: .performchat)
        report.queues[.performchat] = .init(queued: 5, parked: 2, held: 1, heldForIdentity: 1)
        report.openConflicts = 1
        // When the line is made
        let line = StatusLine.make(report, providers: [.performchat], pauses: [:], at: date)
        // Then the queue counts only the waiting user and the rest is named
        #expect(line.hasSuffix("; queue 1; performchat ok, 2 parked, 1 held for identity, 1 held by conflict; 1 conflicts held for an operator"), "\(line)")
    }
}
