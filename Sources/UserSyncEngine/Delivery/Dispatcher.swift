import Foundation
import Logging
import UserSyncCore
import UserSyncProviders
import UserSyncStore

/// Delivers one provider's outbox: keeps up to `concurrency` requests in flight through the
/// provider's rate limiter (no batch waits for its slowest request), resolves ids as the
/// queue is read, and carries out what the `DeliveryStateMachine` decides for every answer.
/// The decisions are the machine's; the store, the adapter, the logs and metrics are here.
public actor Dispatcher {
    public nonisolated let provider: ProviderID
    let runtime: ProviderRuntime
    let store: StateStore
    let logger: Logger
    /// How long a user the provider does not have waits before it is looked up again
    /// (`missing_recheck_interval`).
    let parkedRecheck: Double
    /// Outbox items read at a time.
    let batchSize: Int
    var machine: DeliveryStateMachine
    let jitter: @Sendable () -> Double
    /// 2xx answers not yet recorded (see `acknowledge`).
    var pendingAcks: [Acknowledgement] = []
    static let ackBatch = 32
    static let ackDelay = 0.02

    /// - Parameters:
    ///   - pause: a pause restored from the state (a restart keeps honouring the probe
    ///     interval, so a crash loop cannot lock a key out).
    ///   - circuit: an open circuit restored from the state (a restart or the next
    ///     `sync --once` keeps probing instead of sending the whole queue into an outage).
    ///   - jitter: uniform draws in [0, 1) for backoff; injected by tests.
    public init(
        runtime: ProviderRuntime, store: StateStore, policy: RetryPolicy, logger: Logger, pause: ProviderPause? = nil,
        circuit: DeliveryStateMachine.Circuit = .closed, openAfter: Int = 5, parkedRecheck: Double? = nil, batchSize: Int = 200,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.provider = runtime.provider
        self.runtime = runtime
        self.store = store
        self.logger = logger
        self.parkedRecheck = parkedRecheck ?? Self.seconds(runtime.missingRecheckInterval)
        self.batchSize = batchSize
        self.jitter = jitter
        machine = DeliveryStateMachine(
            policy: policy, openAfter: openAfter, authProbeInterval: Self.seconds(runtime.authProbeInterval), circuit: circuit, pause: pause)
    }

    public var pause: ProviderPause? { machine.pause }
    public var isPaused: Bool { machine.pause != nil }
    public var circuit: DeliveryStateMachine.Circuit { machine.circuit }

    /// The time this provider next has work or a probe due (nil when nothing is waiting).
    public func nextWakeTime(now: Double = StateStore.now()) throws -> Double? {
        guard let due = try store.nextDueTime(provider: provider) else { return nil }
        return max(due, machine.nextSendTime(now: now) ?? due)
    }

    /// Lifts a pause and closes the circuit (after a config reload): the next pass sends again.
    public func resume() throws {
        machine.reset()
        try store.setProviderPause(provider: provider, nil)
        try store.setCircuit(provider: provider, nil)
    }

    /// Makes a saved authentication pause due now: the next pass sends one probe.
    public func probeAuthNow(now: Double = StateStore.now()) {
        machine.probePauseNow(now)
    }

    /// An answer to a request about no change (a pull, a list read): refused credentials
    /// pause the provider and a `Retry-After` holds it, exactly as for a push, so that the
    /// pushes of the same cycle add no failed login and no request into a throttle.
    public func honour(_ response: ProviderResponse, now: Double = StateStore.now()) throws {
        switch response {
        case .authentication: try pauseAfterRefusal(response, now: now)
        case .retryLater(_, let retryAfter?, _):
            machine.hold(until: now + retryAfter.seconds)
            try store.deferQueue(provider: provider, until: now + retryAfter.seconds)
        default: break
        }
    }

    /// A refused login seen outside a push (a pull): pause exactly as a push's 401 would.
    public func pauseAfterRefusal(_ response: ProviderResponse, now: Double = StateStore.now()) throws {
        guard case .authentication(let status, let message) = response else { return }
        let reason = "HTTP \(status): \(message)"
        let pause = machine.refused(reason: reason, now: now)
        try store.setProviderPause(provider: provider, pause)
        logger.error("credentials refused: provider paused, fix the secret and reload", metadata: [
            "provider": "\(provider)", "status": "\(status)", "reason": "\(reason)", "next_probe_in_s": "\(Int(pause.nextProbeAt - now))",
        ])
    }

    /// One pass over what is due now. Requests start as the provider allows (concurrency,
    /// an open circuit's single probe, a pause, a `Retry-After`) and every answer is recorded
    /// as it arrives, so a crash repeats at most the requests in flight. A stop starts nothing
    /// new; the requests in flight finish (or are cut short, costing no attempt).
    /// - Parameter progress: called for every request and answer (the watchdog heartbeat).
    public func dispatchDue(
        stop: StopSignal = .never, progress: @escaping @Sendable () -> Void = {}, now clock: @escaping @Sendable () -> Double = { StateStore.now() }
    ) async throws -> DispatchReport {
        var report = DispatchReport(provider: provider)
        var queue = DueQueue()
        let adapter = runtime.adapter
        let store = self.store
        let provider = self.provider
        let concurrency = max(1, runtime.concurrency)
        try await withThrowingTaskGroup(of: Finished.self) { group in
            var inFlight = 0
            var halted = false
            // 2xx answers being recorded by a task beside this one, one batch at a time (the
            // answers that come meanwhile wait for the next one, so batches grow when commits
            // are slow).
            var recording = false
            // A success, kept to be recorded just after the next requests have started: it
            // changes nothing about what may be sent, and recording it (a commit now and then)
            // would otherwise leave the pipe short for that long.
            var unrecorded: (Delivery, String?, ProviderResponse)?
            while true {
                progress()
                starting: while !halted && !stop.isSet && !Task.isCancelled {
                    let now = clock()
                    let probing: Bool
                    switch machine.permit(now: now, inFlight: inFlight) {
                    case .wait(let until, let why):
                        note(why, until: until, now: now, report: &report)
                        break starting
                    case .probe: probing = true
                    case .send:
                        guard inFlight < concurrency else { break starting }
                        probing = false
                    }
                    guard let delivery = try await next(from: &queue, probing: probing, stop: stop, progress: progress, clock: clock, report: &report) else {
                        if probing { machine.probeAbandoned(now: clock()) }
                        break starting
                    }
                    group.addTask {
                        let (sent, providerUserID, response) = await Self.deliver(delivery, adapter: adapter, store: store, provider: provider)
                        return .answered(sent, providerUserID, response)
                    }
                    inFlight += 1
                }
                if let (delivery, providerUserID, response) = unrecorded {
                    unrecorded = nil
                    _ = try record(response, for: delivery, providerUserID: providerUserID, now: clock(), report: &report)
                }
                guard inFlight > 0 || recording else { break }
                if inFlight < concurrency || halted {
                    // Nothing else to do meanwhile: what was answered is recorded before waiting.
                    try flushAcknowledgements()
                } else if !recording, acknowledgementsDue(now: clock()) {
                    // The pipe is full: the commit goes beside, and the answers that arrive
                    // during it start their successors at once instead of waiting for it.
                    let batch = takeAcknowledgements()
                    group.addTask {
                        try store.acknowledge(batch)
                        return .recorded
                    }
                    recording = true
                }
                guard let finished = try await group.next() else { break }
                guard case .answered(let delivery, let providerUserID, let response) = finished else {
                    recording = false
                    continue
                }
                inFlight -= 1
                progress()
                if response == .success, machine.circuit == .closed, machine.pause == nil {
                    unrecorded = (delivery, providerUserID, response)
                    continue
                }
                let halt = try record(response, for: delivery, providerUserID: providerUserID, now: clock(), report: &report)
                if halt && !halted {
                    halted = true
                    // After a refused login, requests still waiting for the rate limiter would be
                    // more failed logins: cut them short (they cost no attempt).
                    if case .authentication = response { group.cancelAll() }
                }
            }
        }
        try flushAcknowledgements()
        if let pause = machine.pause {
            report.pausedReason = pause.reason
        } else if report.pushed > 0 {
            // Delivered, so not paused, whatever the state says (another process, or the engine
            // a reload replaced, may have recorded a pause meanwhile): `status` must not lie.
            try store.setProviderPause(provider: provider, nil)
        }
        return report
    }

    /// The next delivery of this pass: from the due items read so far, reading (and
    /// resolving the ids of) the next page when they run out.
    private func next(
        from queue: inout DueQueue, probing: Bool, stop: StopSignal, progress: @escaping @Sendable () -> Void,
        clock: @Sendable () -> Double, report: inout DispatchReport
    ) async throws -> Delivery? {
        while queue.ready.isEmpty {
            guard !queue.exhausted, !stop.isSet, !Task.isCancelled else { return nil }
            let now = clock()
            if probing { machine.probeStarted() }
            let (due, parked) = try dueBatch(now: now, after: queue.cursor, limit: probing ? 1 : batchSize)
            if let last = due.last { queue.cursor = OutboxCursor(notBefore: last.notBefore, id: last.id) }
            if due.count < (probing ? 1 : batchSize) { queue.exhausted = !probing || due.isEmpty }
            if due.isEmpty { return nil }
            let items = due + parked
            var known: [(OutboxItem, String)] = []
            var unknown: [OutboxItem] = []
            let mapped = try store.providerUserIDs(provider: provider, externalIDs: items.map(\.externalID))
            for item in items {
                if let id = mapped[item.externalID] {
                    known.append((item, id))
                } else {
                    unknown.append(item)
                }
            }
            var lookupFailed = false
            if !unknown.isEmpty {
                let control = LookupControl(shouldStop: { stop.isSet || Task.isCancelled }, progress: progress)
                let resolution = try await resolve(unknown, control: control, now: now, report: &report)
                lookupFailed = !resolution.failed.isEmpty
                known += resolution.ready
                try recordFailedLookups(resolution.failed, now: clock(), report: &report)
            }
            if probing && !unknown.isEmpty {
                // A probe is one request: its lookup was it. Answered, the provider is back.
                guard !lookupFailed else { return nil }
                _ = try carryOut(machine.reached(now: clock()), item: unknown[0], delivery: nil, providerUserID: nil, response: .success, now: clock(), report: &report)
            }
            queue.refill(try prepare(known, now: clock(), report: &report))
        }
        return queue.take()
    }

    /// A lookup that failed answered for many users at once, and the adapters send no more
    /// lookups after one: only the first user is treated as answered (and charged only if
    /// the machine says the provider is otherwise fine); the others were never tried, and
    /// wait with their attempts untouched.
    private func recordFailedLookups(_ failed: [(OutboxItem, ProviderResponse)], now: Double, report: inout DispatchReport) throws {
        guard let (first, response) = failed.first(where: { $0.1 != .cancelled }) else { return }
        let actions = machine.answered(response, item: first.externalID, attempts: first.attempts, firstFailedAt: first.firstFailedAt, now: now, jitter: jitter())
        _ = try carryOut(actions, item: first, delivery: nil, providerUserID: nil, response: response, now: now, report: &report)
        let waitUntil = max(machine.nextSendTime(now: now) ?? now, now + 0.05)
        for (item, response) in failed where item.id != first.id && response != .cancelled {
            try store.noteWaiting(item, status: response.status, message: response.message, notBefore: waitUntil)
            report.retrying += 1
        }
    }

    /// Records one push's answer; true when no further request should start in this pass.
    private func record(_ response: ProviderResponse, for delivery: Delivery, providerUserID: String?, now: Double, report: inout DispatchReport) throws -> Bool {
        let item = delivery.item
        let actions = machine.answered(response, item: item.externalID, attempts: item.attempts, firstFailedAt: item.firstFailedAt, now: now, jitter: jitter())
        return try carryOut(actions, item: item, delivery: delivery, providerUserID: providerUserID, response: response, now: now, report: &report)
    }

    private func note(_ why: DeliveryStateMachine.Wait, until: Double, now: Double, report: inout DispatchReport) {
        switch why {
        case .paused: report.pausedReason = machine.pause?.reason
        case .retryAfter, .circuitOpen: report.heldUntil = until
        case .probeInFlight: break
        }
        if case .open(let since, _, let failed, _) = machine.circuit {
            report.circuit = DispatchReport.CircuitState(since: since, nextProbeAt: until, failedProbes: failed)
        }
    }

    /// One push; on a 404 the stale mapping is dropped and the user looked up once more.
    static func deliver(
        _ delivery: Delivery, adapter: any ProviderAdapter, store: StateStore, provider: ProviderID
    ) async -> (Delivery, String?, ProviderResponse) {
        let item = delivery.item
        let providerUserID = delivery.providerUserID
        let first = await adapter.push(document: delivery.request, providerUserID: providerUserID, record: item.record)
        guard case .notFound = first.response else { return (delivery, providerUserID, first.response) }
        do {
            try store.dropIDMapping(provider: provider, externalID: item.externalID)
        } catch {
            return (delivery, providerUserID, .retryLater(status: nil, retryAfter: nil, message: "state database: \(error)"))
        }
        switch await adapter.resolveIDs(for: [item.record], control: .none)[item.externalID] ?? .missing {
        case .found(let newID) where newID != providerUserID:
            let refused: [RefusedBinding]
            do {
                refused = try store.storeIDMappings(provider: provider, [(item.externalID, newID)])
            } catch {
                return (delivery, nil, .retryLater(status: nil, retryAfter: nil, message: "state database: \(error)"))
            }
            if let taken = refused.first {
                return (delivery, nil, .permanent(status: 404, message: "user \(providerUserID) no longer exists at \(provider); the profile found instead, \(newID), belongs to \(taken.boundTo)"))
            }
            let second = await adapter.push(document: delivery.request, providerUserID: newID, record: item.record)
            if case .notFound(let message) = second.response {
                return (delivery, newID, .permanent(status: 404, message: "not found even after re-resolving the id: \(message)"))
            }
            return (delivery, newID, second.response)
        case .found, .missing:
            return (delivery, nil, .permanent(status: 404, message: "user \(providerUserID) no longer exists at \(provider) and was not found again"))
        case .belongsToAnother(let id, let other):
            return (delivery, nil, .permanent(status: 404, message: "user \(providerUserID) no longer exists at \(provider); the profile found by e-mail, \(id), belongs to \(other)"))
        case .failed(let response):
            return (delivery, nil, response)
        }
    }

    func parkMissing(_ item: OutboxItem, now: Double) throws {
        try store.park(item, reason: "awaiting creation at \(provider)", recheckAt: now + parkedRecheck, now: now)
        if item.state != .parked {
            logger.info("user not found at provider; parked until it appears", metadata: ["provider": "\(provider)", "external_id": "\(item.externalID)"])
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// What a task of a dispatch pass finished: a request answered, or a batch of 2xx recorded.
enum Finished: Sendable {
    case answered(Delivery, String?, ProviderResponse)
    case recorded
}

/// The due items one pass has read and not sent yet, and where reading goes on.
struct DueQueue {
    /// In reverse order: taking the next one is a `popLast`, where `removeFirst` moved the
    /// rest of a 200-item page for every request sent.
    private(set) var ready: [Delivery] = []
    var cursor: OutboxCursor?
    var exhausted = false

    mutating func refill(_ deliveries: [Delivery]) {
        ready = deliveries.reversed() + ready
    }

    mutating func take() -> Delivery? {
        ready.popLast()
    }
}
