import Foundation
import UserSyncCore
import UserSyncEngine

/// The one-line summary systemd shows in `systemctl status` (`STATUS=`), e.g.
/// `last cycle 12:01:05: 3 pushed, 0 failed, 1 rejected; queue 0; performchat ok, 2 parked; commbox paused (401)`.
enum StatusLine {
    /// - Parameter providers: the enabled providers in config order (the engine's dispatchers),
    ///   so the line reads the same every time and as documented.
    static func make(_ report: CycleReport, providers: [ProviderID], pauses: [ProviderID: String], at date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        var parts = ["last cycle \(formatter.string(from: date)): \(report.pushed) pushed, \(report.failed) failed, \(report.plan.summary.rejected) rejected"]
        // The queue is what waits to be sent; parked and held users are named apart, per provider.
        parts.append("queue \(report.queues.values.reduce(0) { $0 + $1.waiting })")
        for provider in providers {
            var part: String
            if let reason = pauses[provider] ?? report.dispatch[provider]?.pausedReason {
                let status = reason.split(separator: ":").first.map { $0.replacingOccurrences(of: "HTTP ", with: "") } ?? reason
                part = "\(provider) paused (\(status))"
            } else if let circuit = report.dispatch[provider]?.circuit {
                part = "\(provider) failing, circuit open since \(formatter.string(from: Date(timeIntervalSince1970: circuit.since)))"
            } else if let held = report.dispatch[provider]?.heldUntil, held > date.timeIntervalSince1970 {
                part = "\(provider) backing off"
            } else {
                part = "\(provider) ok"
            }
            let q = report.queues[provider] ?? .init()
            if q.parked > 0 { part += ", \(q.parked) parked" }
            if q.heldForIdentity > 0 { part += ", \(q.heldForIdentity) held for identity" }
            if q.held > 0 { part += ", \(q.held) held by conflict" }
            if report.guardHolds.contains(where: { $0.provider == provider }) { part += ", held: mass change (usersync approve)" }
            parts.append(part)
        }
        if report.openConflicts > 0 { parts.append("\(report.openConflicts) conflicts held for an operator") }
        return parts.joined(separator: "; ")
    }
}
