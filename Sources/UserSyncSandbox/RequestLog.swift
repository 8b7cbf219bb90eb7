import Foundation

/// One provider request as the sandbox answered it.
public struct SandboxRequestLogEntry: Sendable, Equatable {
    /// Arrival time, read from the sandbox clock.
    public var time: Date
    public var provider: SandboxProvider
    public var method: String
    /// Path after the provider prefix, with the query as received, e.g. `/customer-users?page=2&limit=100`.
    public var path: String
    /// Route key, e.g. `PUT /customer-users/:id`; `unmatched` for unknown routes.
    public var route: String
    /// HTTP status as a string, or `dropped`.
    public var status: String
}

/// Counters of one provider since the last reset.
public struct SandboxProviderRequestCounts: Sendable, Equatable {
    public var total = 0
    public var byRoute: [String: Int] = [:]
    public var byStatus: [String: Int] = [:]

    public init() {}

    public func route(_ key: String) -> Int { byRoute[key] ?? 0 }
    public func status(_ key: String) -> Int { byStatus[key] ?? 0 }
    public func status(_ code: Int) -> Int { byStatus[String(code)] ?? 0 }
}

public struct SandboxRequestCounts: Sendable, Equatable {
    public var performChat = SandboxProviderRequestCounts()
    public var commBox = SandboxProviderRequestCounts()

    public init() {}

    public subscript(provider: SandboxProvider) -> SandboxProviderRequestCounts {
        get { provider == .performChat ? performChat : commBox }
        set {
            if provider == .performChat { performChat = newValue } else { commBox = newValue }
        }
    }
}

/// Counters plus a bounded log of the most recent requests.
struct RequestLog: Sendable {
    private(set) var counts = SandboxRequestCounts()
    private var entries: [SandboxRequestLogEntry] = []
    /// Index of the oldest entry once the ring is full.
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    mutating func record(_ entry: SandboxRequestLogEntry) {
        counts[entry.provider].total += 1
        counts[entry.provider].byRoute[entry.route, default: 0] += 1
        counts[entry.provider].byStatus[entry.status, default: 0] += 1
        if entries.count < capacity {
            entries.append(entry)
        } else {
            entries[head] = entry
            head = (head + 1) % capacity
        }
    }

    /// Oldest first.
    var recent: [SandboxRequestLogEntry] {
        Array(entries[head...] + entries[..<head])
    }

    mutating func reset() {
        counts = SandboxRequestCounts()
        entries.removeAll()
        head = 0
    }
}
