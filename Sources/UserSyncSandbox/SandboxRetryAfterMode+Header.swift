import Foundation

extension SandboxRetryAfterMode {
    /// The `Retry-After` header for a wait, rounded up to whole seconds (at least 1) so a client
    /// that honours it never comes back early.
    func headers(wait: TimeInterval, now: Date) -> [(name: String, value: String)] {
        let seconds = max(Int(wait.rounded(.up)), 1)
        switch self {
        case .seconds: return [("Retry-After", String(seconds))]
        case .date: return [("Retry-After", SandboxTimestamp.httpDate(now.addingTimeInterval(Double(seconds) + 1)))]
        case .none: return []
        }
    }
}
