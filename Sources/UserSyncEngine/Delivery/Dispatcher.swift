import Foundation
import Logging
import UserSyncCore
import UserSyncProviders
import UserSyncStore

/// Delivers one provider's outbox: resolves ids, sends with bounded concurrency through the
/// provider's rate limiter, and applies the retry policy to every answer. It owns the
/// provider-wide state: a shared backoff after 429/5xx and the pause after refused credentials.
public actor Dispatcher {
    public nonisolated let provider: ProviderID
    let runtime: ProviderRuntime
    let store: StateStore
    let policy: RetryPolicy
    let logger: Logger
    /// How long a user the provider does not have waits before it is looked up again
    /// (`missing_recheck_interval`).
    let parkedRecheck: Double
    let batchSize: Int
    private var holdUntil: Double = 0
    private var consecutiveFailures = 0
    public private(set) var pause: ProviderPause?
    private var random = SystemRandomNumberGenerator()

    /// - Parameter pause: a pause restored from the state (a restart keeps honouring the
    ///   probe interval, so a crash loop cannot lock a key out).
    public init(runtime: ProviderRuntime, store: StateStore, policy: RetryPolicy, logger: Logger, pause: ProviderPause? = nil, parkedRecheck: Double? = nil, batchSize: Int = 200) {
        self.pause = pause
        self.provider = runtime.provider
        self.runtime = runtime
        self.store = store
        self.policy = policy
        self.logger = logger
        self.parkedRecheck = parkedRecheck ?? Self.seconds(runtime.missingRecheckInterval)
        self.batchSize = batchSize
    }

    /// The time this provider next has work or a probe due (nil when nothing is waiting).
    public func nextWakeTime() throws -> Double? {
        guard let due = try store.nextDueTime(provider: provider) else { return nil }
        if let pause { return max(due, pause.nextProbeAt) }
        return max(due, holdUntil)
    }

    /// Lifts a pause (after a config reload): the next pass sends again.
    public func resume() throws {
        pause = nil
        holdUntil = 0
        try store.setProviderPause(provider: provider, nil)
    }

    /// Sends everything that is due now. Stops early when the provider pushes back (429/5xx:
    /// the rest waits for the shared backoff) or refuses the credentials (paused).
    /// - Parameter progress: called after every batch (the service's watchdog heartbeat).
    public func dispatchDue(
        stop: StopSignal = .never, progress: @Sendable () -> Void = {}, now clock: @Sendable () -> Double = { StateStore.now() }
    ) async throws -> DispatchReport {
        var report = DispatchReport(provider: provider)
        while !Task.isCancelled && !stop.isSet {
            progress()
            let now = clock()
            var probing = false
            if let pause {
                guard now >= pause.nextProbeAt else {
                    report.pausedReason = pause.reason
                    break
                }
                probing = true
            }
            if holdUntil > now {
                report.heldUntil = holdUntil
                break
            }
            let items = try dueBatch(now: now, limit: probing ? 1 : batchSize)
            if items.isEmpty { break }
            var ready: [(OutboxItem, String)] = []
            var unknown: [OutboxItem] = []
            for item in items {
                if let id = try store.providerUserID(provider: provider, externalID: item.externalID) {
                    ready.append((item, id))
                } else {
                    unknown.append(item)
                }
            }
            // Failed lookups.
            var outcomes: [(OutboxItem, String?, ProviderResponse)] = []
            if !unknown.isEmpty {
                let resolved = await runtime.adapter.resolveIDs(for: unknown.map(\.record))
                let learned = resolved.compactMap { id, resolution -> (externalID: String, providerUserID: String)? in
                    if case .found(let providerID) = resolution { return (id, providerID) }
                    return nil
                }
                try store.storeIDMappings(provider: provider, learned)
                for item in unknown {
                    switch resolved[item.externalID] ?? .missing {
                    case .found(let id): ready.append((item, id))
                    case .missing:
                        try parkMissing(item, now: now)
                        report.parked += 1
                    case .failed(let response): outcomes.append((item, nil, response))
                    }
                }
            }
            var pushedBack = false
            // A lookup that failed with 429/5xx/network is one request, often answering for
            // many users (a list page), and the adapters send no more lookups after one: only
            // the first such user is charged an attempt. The others were never tried; they wait
            // for the provider's shared hold (deferred below) with their attempts untouched, so
            // a user far down the queue is not dead-lettered for lookups it never had.
            var chargedLookupFailure = false
            var untried: [(OutboxItem, ProviderResponse)] = []
            for (item, providerUserID, response) in outcomes {
                if Self.isCancelled(response) && (stop.isSet || Task.isCancelled) { continue }
                if case .retryLater = response {
                    if chargedLookupFailure {
                        untried.append((item, response))
                        continue
                    }
                    chargedLookupFailure = true
                }
                pushedBack = try apply(response, to: item, providerUserID: providerUserID, now: clock(), report: &report) || pushedBack
            }
            for (item, response) in untried {
                try store.noteWaiting(item, status: response.status, message: response.message, notBefore: max(holdUntil, clock()))
                report.retrying += 1
            }
            // A lookup that was throttled (429, Retry-After) holds the pushes back too.
            // A probe is the one request a paused provider gets: it must go out.
            if (pause == nil || probing) && !outcomes.contains(where: { Self.isThrottle($0.2) }) {
                pushedBack = try await push(
                    ready, concurrency: probing ? 1 : runtime.concurrency, stop: stop, progress: progress, clock: clock, report: &report)
                    || pushedBack
            }
            if pause != nil {
                report.pausedReason = pause?.reason
                break
            }
            if pushedBack {
                // The provider-wide hold goes into the state, so that the next process (a
                // `sync --once` right after this one, a restart) honours it as well.
                try store.deferQueue(provider: provider, until: holdUntil)
                report.heldUntil = holdUntil
                break
            }
        }
        return report
    }

    /// Sends `ready` with bounded concurrency and records each answer as soon as it arrives,
    /// so that a crash repeats at most the requests in flight. Returns true when the provider
    /// pushed back.
    private func push(
        _ ready: [(OutboxItem, String)], concurrency: Int, stop: StopSignal, progress: @Sendable () -> Void,
        clock: @Sendable () -> Double, report: inout DispatchReport
    ) async throws -> Bool {
        let adapter = runtime.adapter
        let store = self.store
        let provider = self.provider
        return try await withThrowingTaskGroup(of: (OutboxItem, String?, ProviderResponse).self) { group in
            var pending = ready[...]
            var pushedBack = false
            // After a 401/403 nothing more is sent: every further request would be another
            // failed login counting towards the provider's lockout. After a 429 or a
            // Retry-After nothing more is sent either: the provider said when to come back.
            var halted = false
            func startNext() {
                guard !stop.isSet, !halted, let (item, id) = pending.popFirst() else { return }
                group.addTask {
                    await Self.deliver(item, providerUserID: id, adapter: adapter, store: store, provider: provider)
                }
            }
            for _ in 0..<max(1, concurrency) { startNext() }
            while let (item, providerUserID, response) = try await group.next() {
                progress()
                // Requests cut short by a stop or by the refusal below were never answered:
                // they stay due, with no attempt counted.
                if Self.isCancelled(response) && (halted || stop.isSet || Task.isCancelled) { continue }
                if case .authentication = response, !halted {
                    halted = true
                    // Requests still waiting for the rate limiter would be more failed logins.
                    group.cancelAll()
                }
                if Self.isThrottle(response) { halted = true }
                pushedBack = try apply(response, to: item, providerUserID: providerUserID, now: clock(), report: &report) || pushedBack
                startNext()
            }
            return pushedBack
        }
    }

    static func isCancelled(_ response: ProviderResponse) -> Bool {
        if case .retryLater(nil, nil, "cancelled") = response { return true }
        return false
    }

    /// A refused login seen outside a push (a pull): pause exactly as a push's 401 would.
    public func pauseAfterRefusal(_ response: ProviderResponse, now: Double = StateStore.now()) throws {
        guard case .authentication(let status, let message) = response else { return }
        let probeInterval = Self.seconds(runtime.authProbeInterval)
        let reason = "HTTP \(status): \(message)"
        pause = ProviderPause(reason: reason, since: pause?.since ?? now, nextProbeAt: now + probeInterval)
        try store.setProviderPause(provider: provider, pause)
        logger.error("credentials refused: provider paused, fix the secret and reload", metadata: [
            "provider": "\(provider)", "status": "\(status)", "reason": "\(reason)", "next_probe_in_s": "\(Int(probeInterval))",
        ])
    }

    public var isPaused: Bool { pause != nil }

    /// A 429, or any answer carrying a Retry-After: the provider as a whole asks for a pause.
    static func isThrottle(_ response: ProviderResponse) -> Bool {
        guard case .retryLater(let status, let retryAfter, _) = response else { return false }
        return status == 429 || retryAfter != nil
    }

    /// One push; on a 404 the stale mapping is dropped and the user looked up once more.
    static func deliver(
        _ item: OutboxItem, providerUserID: String, adapter: any ProviderAdapter, store: StateStore, provider: ProviderID
    ) async -> (OutboxItem, String?, ProviderResponse) {
        let first = await adapter.push(document: item.document, providerUserID: providerUserID, record: item.record)
        guard case .notFound = first.response else { return (item, providerUserID, first.response) }
        try? store.dropIDMapping(provider: provider, externalID: item.externalID)
        switch await adapter.resolveIDs(for: [item.record])[item.externalID] ?? .missing {
        case .found(let newID) where newID != providerUserID:
            try? store.storeIDMappings(provider: provider, [(item.externalID, newID)])
            let second = await adapter.push(document: item.document, providerUserID: newID, record: item.record)
            if case .notFound(let message) = second.response {
                return (item, newID, .permanent(status: 404, message: "not found even after re-resolving the id: \(message)"))
            }
            return (item, newID, second.response)
        case .found, .missing:
            return (item, nil, .permanent(status: 404, message: "user \(providerUserID) no longer exists at \(provider) and was not found again"))
        case .failed(let response):
            return (item, nil, response)
        }
    }

    /// Returns true when the provider pushed back (the rest of the queue should wait).
    private func apply(_ response: ProviderResponse, to item: OutboxItem, providerUserID: String?, now: Double, report: inout DispatchReport) throws -> Bool {
        var meta: Logger.Metadata = ["provider": "\(provider)", "external_id": "\(item.externalID)"]
        if let status = response.status { meta["status"] = "\(status)" }
        let action = policy.decide(
            response, attempts: item.attempts, firstFailedAt: item.firstFailedAt, now: now,
            jitter: Double.random(in: 0..<1, using: &random))
        switch action {
        case .acknowledge:
            try store.acknowledge(item, providerUserID: providerUserID, now: now)
            report.pushed += 1
            EngineMetrics.delivery(provider: provider, outcome: "success")
            consecutiveFailures = 0
            if let pause {
                logger.notice("credentials accepted again; provider resumed", metadata: ["provider": "\(provider)", "paused_for_s": "\(Int(now - pause.since))"])
                self.pause = nil
                try store.setProviderPause(provider: provider, nil)
            }
            logger.debug("pushed", metadata: meta)
            return false
        case .retry(let delay):
            consecutiveFailures += 1
            // The whole provider shares the backoff: a burst of 429/5xx slows every item.
            let shared = policy.backoff(failures: consecutiveFailures, jitter: Double.random(in: 0.5..<1, using: &random))
            let wait = max(delay, shared, 0.05)
            holdUntil = max(holdUntil, now + wait)
            try store.reschedule(item, status: response.status, message: response.message, notBefore: now + wait, now: now)
            report.retrying += 1
            EngineMetrics.delivery(provider: provider, outcome: "retry_later")
            meta["reason"] = "\(response.message)"
            meta["attempt"] = "\(item.attempts + 1)"
            meta["retry_in_s"] = "\(String(format: "%.1f", wait))"
            logger.warning("delivery failed, will retry", metadata: meta)
            return true
        case .reresolve, .deadLetter:
            let reason: String
            if case .deadLetter(let why) = action { reason = why } else { reason = "HTTP 404: \(response.message)" }
            try store.deadLetter(item, status: response.status, message: reason, now: now)
            report.deadLettered += 1
            EngineMetrics.delivery(provider: provider, outcome: "dead_letter")
            meta["reason"] = "\(reason)"
            logger.error("delivery refused, moved to dead letters", metadata: meta)
            return false
        case .pauseProvider(let reason):
            let probeInterval = Self.seconds(runtime.authProbeInterval)
            if pause == nil {
                pause = ProviderPause(reason: reason, since: now, nextProbeAt: now + probeInterval)
            } else {
                pause?.nextProbeAt = now + probeInterval
            }
            EngineMetrics.delivery(provider: provider, outcome: "paused")
            try store.setProviderPause(provider: provider, .init(reason: reason, since: pause!.since, nextProbeAt: pause!.nextProbeAt))
            meta["reason"] = "\(reason)"
            meta["next_probe_in_s"] = "\(Int(probeInterval))"
            logger.error("credentials refused: provider paused, fix the secret and reload", metadata: meta)
            return false
        }
    }

    private func parkMissing(_ item: OutboxItem, now: Double) throws {
        try store.park(item, reason: "awaiting creation at \(provider)", recheckAt: now + parkedRecheck, now: now)
        if item.state != .parked {
            logger.info("user not found at provider; parked until it appears", metadata: ["provider": "\(provider)", "external_id": "\(item.externalID)"])
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
