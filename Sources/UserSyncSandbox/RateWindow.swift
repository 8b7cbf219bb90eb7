import Foundation

/// Counts events in a time window and says when the next one would fit. Serves the provider
/// request budgets and perform.chat's failed-authentication lockout.
struct RateWindow: Sendable {
    var limit: Int?
    var mode: SandboxRateWindowMode
    var windowSeconds: TimeInterval
    /// Sliding: times of the events still in the window, oldest first.
    private var events: [Date] = []
    /// Fixed: start of the current window and its count.
    private var fixedStart: Date?
    private var fixedCount = 0

    init(limit: Int?, mode: SandboxRateWindowMode = .sliding, windowSeconds: TimeInterval = 60) {
        self.limit = limit
        self.mode = mode
        self.windowSeconds = windowSeconds
    }

    init(_ settings: SandboxRateLimit) {
        self.init(limit: settings.requestsPerMinute, mode: settings.windowMode, windowSeconds: settings.windowSeconds)
    }

    /// Records the event if it fits. Returns `nil` when accepted, else the seconds until it would.
    mutating func acquire(at now: Date) -> TimeInterval? {
        if let wait = wait(at: now) { return wait }
        record(at: now)
        return nil
    }

    /// Seconds until one more event fits, or `nil` if it fits now. Records nothing.
    mutating func wait(at now: Date) -> TimeInterval? {
        guard let limit else { return nil }
        switch mode {
        case .sliding:
            prune(at: now)
            guard events.count >= limit else { return nil }
            guard limit > 0 else { return windowSeconds }
            // The event at `count - limit` is the one that must leave before a slot frees up.
            let blocking = events[events.count - limit]
            return max(blocking.addingTimeInterval(windowSeconds).timeIntervalSince(now), 0.001)
        case .fixed:
            rollFixed(at: now)
            guard fixedCount >= limit else { return nil }
            let end = (fixedStart ?? now).addingTimeInterval(windowSeconds)
            return max(end.timeIntervalSince(now), 0.001)
        }
    }

    mutating func record(at now: Date) {
        switch mode {
        case .sliding:
            prune(at: now)
            events.append(now)
        case .fixed:
            rollFixed(at: now)
            if fixedStart == nil { fixedStart = now }
            fixedCount += 1
        }
    }

    mutating func reset() {
        events.removeAll()
        fixedStart = nil
        fixedCount = 0
    }

    private mutating func prune(at now: Date) {
        let horizon = now.addingTimeInterval(-windowSeconds)
        if let keep = events.firstIndex(where: { $0 > horizon }) {
            if keep > 0 { events.removeFirst(keep) }
        } else {
            events.removeAll()
        }
    }

    private mutating func rollFixed(at now: Date) {
        if let start = fixedStart, now.timeIntervalSince(start) >= windowSeconds {
            fixedStart = nil
            fixedCount = 0
        }
    }
}
