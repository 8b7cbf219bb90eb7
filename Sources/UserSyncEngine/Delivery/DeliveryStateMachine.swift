import UserSyncProviders
import UserSyncStore

/// One provider's delivery state, apart from any I/O: the circuit breaker (closed → open →
/// half-open, as Envoy and resilience4j define it), the hold a `Retry-After` asks for, and the
/// pause after refused credentials. Answers go in with the time and a jitter draw; what to do
/// comes out. The dispatcher owns the sockets, the store and the logs.
///
/// - An outage (5xx, time-outs, dropped connections, 429 without `Retry-After`) from several
///   changes in a row opens the circuit: nothing is sent but one probe after the current
///   wait; a failed probe doubles the wait (with jitter, up to `maxDelay`), a good one closes
///   the circuit and delivery resumes at full rate.
/// - An outage never counts against a change: an attempt is charged only when the provider
///   answered about that change (a refusal, or a 5xx while no other change is failing).
/// - A poison change (failing alone while the others go through) backs off on its own and
///   ends in the dead letters after its own `maxAttempts`, without opening the circuit.
public struct DeliveryStateMachine: Sendable, Equatable {
    public enum Circuit: Sendable, Equatable {
        case closed
        /// Nothing is sent before `nextProbeAt`; then one probe.
        case open(since: Double, nextProbeAt: Double, failedProbes: Int, wait: Double)
        /// The probe is in flight.
        case halfOpen(since: Double, failedProbes: Int, wait: Double)
    }

    /// What may be sent now.
    public enum Permit: Sendable, Equatable {
        /// Up to `concurrency` requests in flight.
        case send
        /// One request, and no other in flight: the probe of an open circuit or a paused provider.
        case probe
        case wait(until: Double, why: Wait)
    }

    public enum Wait: Sendable, Equatable {
        case retryAfter, circuitOpen, paused, probeInFlight
    }

    /// What one answer means.
    public enum Action: Sendable, Equatable {
        case acknowledge
        /// Try this change again no earlier than `notBefore`; `charged` counts an attempt.
        case retry(notBefore: Double, charged: Bool)
        case deadLetter(reason: String)
        /// The id mapping is stale: look the user up again.
        case reresolve
        /// Not answered (our own stop): nothing changes for the change.
        case ignore
        /// The circuit opened (warn once) / a probe failed / it closed (notice once).
        case circuitOpened(nextProbeAt: Double)
        case probeFailed(nextProbeAt: Double, failedProbes: Int)
        case circuitClosed(openFor: Double)
        /// Credentials refused: pause, probe again at `nextProbeAt`.
        case paused(reason: String, nextProbeAt: Double)
        case resumed(pausedFor: Double)
        /// The provider asked for a pause (`Retry-After`): the whole queue waits.
        case held(until: Double)
        /// Start no further request in this pass (the provider pushed back or refused us).
        case halt
    }

    public var policy: RetryPolicy
    /// Changes failing in a row (distinct changes, not retries of one) that open the circuit.
    public var openAfter: Int
    public var authProbeInterval: Double

    public private(set) var circuit: Circuit = .closed
    public private(set) var holdUntil: Double = 0
    public private(set) var pause: ProviderPause?
    /// Distinct changes that failed since the last success, and the last of them.
    public private(set) var failureStreak = 0
    private var lastFailed: String?

    public init(policy: RetryPolicy, openAfter: Int = 5, authProbeInterval: Double = 900, circuit: Circuit = .closed, pause: ProviderPause? = nil) {
        self.policy = policy
        self.openAfter = max(1, openAfter)
        self.authProbeInterval = authProbeInterval
        self.circuit = circuit
        self.pause = pause
    }

    // MARK: what may be sent

    public func permit(now: Double, inFlight: Int = 0) -> Permit {
        if let pause {
            if now < pause.nextProbeAt { return .wait(until: pause.nextProbeAt, why: .paused) }
            return inFlight == 0 ? .probe : .wait(until: now, why: .probeInFlight)
        }
        if holdUntil > now { return .wait(until: holdUntil, why: .retryAfter) }
        switch circuit {
        case .closed: return .send
        case .open(_, let nextProbeAt, _, _):
            if now < nextProbeAt { return .wait(until: nextProbeAt, why: .circuitOpen) }
            return inFlight == 0 ? .probe : .wait(until: now, why: .probeInFlight)
        case .halfOpen: return .wait(until: now, why: .probeInFlight)
        }
    }

    /// The probe permitted by `permit` is being sent.
    public mutating func probeStarted() {
        if case .open(let since, _, let failed, let wait) = circuit { circuit = .halfOpen(since: since, failedProbes: failed, wait: wait) }
    }

    /// The probe permitted was not sent after all (nothing was due, or what was due needed no
    /// request): the circuit stays open, and the next change that is due may probe at once.
    public mutating func probeAbandoned(now: Double) {
        if case .halfOpen(let since, let failed, let wait) = circuit {
            circuit = .open(since: since, nextProbeAt: now, failedProbes: failed, wait: wait)
        }
    }

    /// The time anything may next be sent (nil: now).
    public func nextSendTime(now: Double) -> Double? {
        if case .wait(let until, let why) = permit(now: now), why != .probeInFlight { return until }
        return nil
    }

    // MARK: answers

    /// The provider's answer about change `item` (its attempts so far and first failure).
    public mutating func answered(
        _ response: ProviderResponse, item: String, attempts: Int, firstFailedAt: Double?, now: Double, jitter: Double
    ) -> [Action] {
        switch response {
        case .cancelled:
            if case .halfOpen(let since, let failed, let wait) = circuit {
                circuit = .open(since: since, nextProbeAt: now, failedProbes: failed, wait: wait)
            }
            return [.ignore]
        case .success:
            return [.acknowledge] + reached(now: now)
        case .authentication(let status, let message):
            let reason = "HTTP \(status): \(message)"
            let next = now + authProbeInterval
            pause = ProviderPause(reason: reason, since: pause?.since ?? now, nextProbeAt: next)
            return [.paused(reason: reason, nextProbeAt: next), .retry(notBefore: next, charged: false), .halt]
        case .notFound:
            return [.reresolve]
        case .permanent(let status, let message):
            return [.deadLetter(reason: "HTTP \(status): \(message)")]
        case .retryLater(let status, let retryAfter, let message):
            let described = status.map { "HTTP \($0): \(message)" } ?? message
            if let retryAfter {
                // The provider said when: the whole queue waits, and that is no outage.
                holdUntil = max(holdUntil, now + retryAfter.seconds)
                reopenIfProbing(now: holdUntil)
                return [.held(until: holdUntil), .retry(notBefore: holdUntil, charged: false), .halt]
            }
            return failed(item: item, attempts: attempts, firstFailedAt: firstFailedAt, described: described, now: now, jitter: jitter)
        }
    }

    /// A retryable failure: the change's own backoff when the provider is otherwise fine,
    /// the circuit's when it is not.
    private mutating func failed(item: String, attempts: Int, firstFailedAt: Double?, described: String, now: Double, jitter: Double) -> [Action] {
        if case .halfOpen(let since, let failedProbes, let wait) = circuit {
            let doubled = min(policy.maxDelay, max(wait * 2, policy.baseDelay))
            let next = now + Self.jittered(doubled, jitter)
            circuit = .open(since: since, nextProbeAt: next, failedProbes: failedProbes + 1, wait: doubled)
            return [.probeFailed(nextProbeAt: next, failedProbes: failedProbes + 1), .retry(notBefore: next, charged: false), .halt]
        }
        if case .open(_, let next, _, _) = circuit {
            // An answer to a request sent before the circuit opened.
            return [.retry(notBefore: next, charged: false)]
        }
        // Charged only when no other change is failing: then the answer is about this one.
        let charged = failureStreak == 0 || (failureStreak == 1 && lastFailed == item)
        if lastFailed != item {
            failureStreak += 1
            lastFailed = item
        }
        if failureStreak >= openAfter {
            let wait = max(policy.baseDelay, 0.05)
            let next = now + Self.jittered(wait, jitter)
            circuit = .open(since: now, nextProbeAt: next, failedProbes: 0, wait: wait)
            return [.circuitOpened(nextProbeAt: next), .retry(notBefore: next, charged: charged), .halt]
        }
        if charged {
            let failures = attempts + 1
            if policy.maxAttempts > 0 && failures >= policy.maxAttempts {
                return [.deadLetter(reason: "gave up after \(failures) attempts; last: \(described)")]
            }
            if policy.maxAge > 0, let first = firstFailedAt, now - first >= policy.maxAge {
                return [.deadLetter(reason: "gave up after retrying for \(Int(now - first)) s; last: \(described)")]
            }
            return [.retry(notBefore: now + max(policy.backoff(failures: failures, jitter: jitter), 0.05), charged: true)]
        }
        // Another change failed just before: likely the provider, not this change.
        if policy.maxAge > 0, let first = firstFailedAt, now - first >= policy.maxAge {
            return [.deadLetter(reason: "gave up after retrying for \(Int(now - first)) s; last: \(described)")]
        }
        return [.retry(notBefore: now + max(policy.backoff(failures: failureStreak, jitter: jitter), 0.05), charged: false)]
    }

    private mutating func reopenIfProbing(now: Double) {
        if case .halfOpen(let since, let failed, let wait) = circuit {
            circuit = .open(since: since, nextProbeAt: now, failedProbes: failed, wait: wait)
        }
    }

    /// `wait` with equal jitter: between half and all of it.
    static func jittered(_ wait: Double, _ jitter: Double) -> Double {
        wait * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }

    /// The provider answered a request normally that was about no change (a probe's id
    /// lookup): it is up, and its credentials are good.
    public mutating func reached(now: Double) -> [Action] {
        var actions: [Action] = []
        failureStreak = 0
        lastFailed = nil
        switch circuit {
        case .closed: break
        case .open(let since, _, _, _), .halfOpen(let since, _, _):
            circuit = .closed
            actions.append(.circuitClosed(openFor: now - since))
        }
        if let pause {
            self.pause = nil
            actions.append(.resumed(pausedFor: now - pause.since))
        }
        return actions
    }

    // MARK: outside events

    /// An operator reloaded: every pause and hold is lifted, the circuit closes.
    public mutating func reset() {
        circuit = .closed
        holdUntil = 0
        pause = nil
        failureStreak = 0
        lastFailed = nil
    }

    /// Credentials were refused outside a push (a pull): pause as a push's 401 would.
    public mutating func refused(reason: String, now: Double) -> ProviderPause {
        let pause = ProviderPause(reason: reason, since: pause?.since ?? now, nextProbeAt: now + authProbeInterval)
        self.pause = pause
        return pause
    }

    /// The provider asked for a pause in answer to a request about no change (a pull, a
    /// list read): nothing is sent before `until`.
    public mutating func hold(until: Double) {
        holdUntil = max(holdUntil, until)
    }

    /// Makes a saved pause due now (`sync --once --probe-auth`).
    public mutating func probePauseNow(_ now: Double) {
        pause?.nextProbeAt = now
    }
}
