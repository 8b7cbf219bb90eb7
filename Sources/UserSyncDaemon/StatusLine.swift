import Foundation
import UserSyncCore
import UserSyncEngine

/// The one-line summary systemd shows in `systemctl status` (`STATUS=`), e.g.
/// `last cycle 12:01:05: 3 pushed, 0 failed, 1 rejected; queue 0; performchat ok; commbox paused (401)`.
enum StatusLine {
    /// - Parameter providers: the enabled providers in config order (the engine's dispatchers),
    ///   so the line reads the same every time and as documented.
    static func make(_ report: CycleReport, providers: [ProviderID], pauses: [ProviderID: String], at date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        var parts = ["last cycle \(formatter.string(from: date)): \(report.pushed) pushed, \(report.failed) failed, \(report.plan.summary.rejected) rejected"]
        parts.append("queue \(report.queued)")
        for provider in providers {
            if let reason = pauses[provider] ?? report.dispatch[provider]?.pausedReason {
                let status = reason.split(separator: ":").first.map { $0.replacingOccurrences(of: "HTTP ", with: "") } ?? reason
                parts.append("\(provider) paused (\(status))")
            } else if let held = report.dispatch[provider]?.heldUntil, held > date.timeIntervalSince1970 {
                parts.append("\(provider) backing off")
            } else {
                parts.append("\(provider) ok")
            }
        }
        return parts.joined(separator: "; ")
    }
}
