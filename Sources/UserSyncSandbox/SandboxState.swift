import Foundation

/// A provider's gate in front of its emulator: injected faults, then the request budget.
struct ProviderGate: Sendable {
    var faults: FaultInjector
    var limit: SandboxRateLimit
    var window: RateWindow

    init(faults: SandboxFaults, limit: SandboxRateLimit, defaultSeed: UInt64?) {
        self.faults = FaultInjector(faults, defaultSeed: defaultSeed)
        self.limit = limit
        self.window = RateWindow(limit)
    }

    mutating func setLimit(_ limit: SandboxRateLimit) {
        self.limit = limit
        window = RateWindow(limit)
    }
}

/// Everything mutable in the sandbox, guarded as one value by `SandboxCore`'s mutex so a
/// request sees and changes a consistent state.
struct SandboxState: Sendable {
    let configuration: SandboxConfiguration
    var performChat: PerformChatEmulator
    var commBox: CommBoxEmulator
    var performChatGate: ProviderGate
    var commBoxGate: ProviderGate
    var log: RequestLog

    init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        performChat = PerformChatEmulator(configuration: configuration)
        commBox = CommBoxEmulator(token: configuration.credentials.commBoxToken)
        performChatGate = ProviderGate(
            faults: configuration.performChatFaults, limit: configuration.performChatLimit,
            defaultSeed: configuration.seed)
        // A different default seed per provider keeps their fault sequences independent.
        commBoxGate = ProviderGate(
            faults: configuration.commBoxFaults, limit: configuration.commBoxLimit,
            defaultSeed: configuration.seed.map { $0 &+ 1 })
        log = RequestLog(capacity: configuration.requestLogCapacity)
    }

    subscript(gate provider: SandboxProvider) -> ProviderGate {
        get { provider == .performChat ? performChatGate : commBoxGate }
        set {
            if provider == .performChat { performChatGate = newValue } else { commBoxGate = newValue }
        }
    }

    var credentials: SandboxCredentials {
        get {
            SandboxCredentials(
                performChatKeyID: performChat.keyID, performChatKeySecret: performChat.keySecret,
                commBoxToken: commBox.token)
        }
        set {
            performChat.keyID = newValue.performChatKeyID
            performChat.keySecret = newValue.performChatKeySecret
            commBox.token = newValue.commBoxToken
        }
    }

    mutating func setLimit(_ limit: SandboxRateLimit, for provider: SandboxProvider) {
        self[gate: provider].setLimit(limit)
        if provider == .performChat { performChat.retryAfterMode = limit.retryAfterMode }
    }

    /// Back to the state at start, without the seeded users.
    mutating func reset() {
        self = SandboxState(configuration: configuration)
    }

    /// Faults, then the rate limit, then the emulator; every outcome is counted and logged.
    mutating func handle(_ request: SandboxRequest, provider: SandboxProvider, segments: [String], now: Date)
        -> SandboxOutcome
    {
        let route: String?
        switch provider {
        case .performChat: route = PerformChatEmulator.route(method: request.method, segments: segments)
        case .commBox: route = CommBoxEmulator.route(request, segments: segments)
        }
        var outcome: SandboxOutcome
        switch self[gate: provider].faults.decide(path: String(request.target.dropFirst(provider.pathPrefix.count))) {
        case .drop:
            outcome = .drop
        case .fail(let status, let retryAfter):
            outcome = Self.error(provider, status, headers: retryAfter.map { [("Retry-After", $0)] } ?? [])
        case .proceed:
            if let wait = self[gate: provider].window.acquire(at: now) {
                let headers = self[gate: provider].limit.retryAfterMode.headers(wait: wait, now: now)
                outcome = Self.error(provider, 429, headers: headers)
            } else {
                switch provider {
                case .performChat: outcome = performChat.handle(request, segments: segments, now: now)
                case .commBox: outcome = commBox.handle(request, segments: segments, now: now)
                }
            }
        }
        outcome.delayMilliseconds = self[gate: provider].faults.latencyMilliseconds
        log.record(SandboxRequestLogEntry(
            time: now, provider: provider, method: request.method,
            path: String(request.target.dropFirst(provider.pathPrefix.count)),
            route: route ?? "unmatched", status: outcome.statusLabel))
        return outcome
    }

    /// An error in the provider's own body shape.
    static func error(_ provider: SandboxProvider, _ status: Int, headers: [(name: String, value: String)] = [])
        -> SandboxOutcome
    {
        switch provider {
        case .performChat:
            let message = status == 429 ? "ThrottlerException: Too Many Requests" : SandboxReason.phrase(status)
            return PerformChatEmulator.error(status, message, headers: headers)
        case .commBox:
            return CommBoxEmulator.error(status, headers: headers)
        }
    }
}
