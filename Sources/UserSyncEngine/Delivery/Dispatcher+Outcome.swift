import Foundation
import Logging
import UserSyncCore
import UserSyncProviders
import UserSyncStore

/// Carrying out what the state machine decided for one answer: the store, the logs and the
/// metrics. Transitions of the provider as a whole (circuit, pause, hold) are logged once
/// each, not once per change.
extension Dispatcher {
    /// Returns true when no further request should start in this pass.
    func carryOut(
        _ actions: [DeliveryStateMachine.Action], item: OutboxItem, delivery: Delivery?, providerUserID: String?,
        response: ProviderResponse, now: Double, report: inout DispatchReport
    ) throws -> Bool {
        // Built only for a line that is written: at full rate, a dictionary of interpolated
        // strings for every 2xx showed in the profile.
        func meta() -> Logger.Metadata {
            var meta: Logger.Metadata = ["provider": "\(provider)", "external_id": "\(item.externalID)"]
            if let status = response.status { meta["status"] = "\(status)" }
            return meta
        }
        var halt = false
        for action in actions {
            switch action {
            case .acknowledge:
                acknowledge(Acknowledgement(item: item, providerUserID: providerUserID, confirmed: delivery?.holding, request: delivery?.key, now: now))
                report.pushed += 1
                EngineMetrics.delivery(provider: provider, outcome: "success")
                logger.debug("pushed", metadata: meta())
            case .retry(let notBefore, let charged):
                try store.reschedule(item, status: response.status, message: response.message, notBefore: notBefore, charge: charged, now: now)
                report.retrying += 1
                EngineMetrics.delivery(provider: provider, outcome: "retry_later")
                var line = meta()
                line["reason"] = "\(response.message)"
                line["attempt"] = charged ? "\(item.attempts + 1)" : "not counted (the provider is failing, not this change)"
                line["retry_in_s"] = "\(String(format: "%.1f", max(0, notBefore - now)))"
                if charged {
                    logger.warning("delivery failed, will retry", metadata: line)
                } else {
                    logger.debug("delivery failed while the provider is failing; will retry", metadata: line)
                }
            case .deadLetter(let reason):
                try store.deadLetter(item, status: response.status, message: reason, now: now)
                report.deadLettered += 1
                EngineMetrics.delivery(provider: provider, outcome: "dead_letter")
                var line = meta()
                line["reason"] = "\(reason)"
                logger.error("delivery refused, moved to dead letters", metadata: line)
            case .reresolve:
                let reason = "HTTP 404: \(response.message)"
                try store.deadLetter(item, status: 404, message: reason, now: now)
                report.deadLettered += 1
                EngineMetrics.delivery(provider: provider, outcome: "dead_letter")
            case .ignore:
                break
            case .circuitOpened(let nextProbeAt):
                try saveCircuit(deferringQueueTo: nextProbeAt)
                EngineMetrics.circuit(provider: provider, open: true)
                logger.warning("provider failing: circuit open, only one probe request until it answers again", metadata: [
                    "provider": "\(provider)", "status": "\(response.status.map(String.init) ?? "-")", "reason": "\(response.message)",
                    "failures_in_a_row": "\(machine.failureStreak)", "next_probe_in_s": "\(String(format: "%.1f", nextProbeAt - now))",
                ])
            case .probeFailed(let nextProbeAt, let failedProbes):
                try saveCircuit(deferringQueueTo: nextProbeAt)
                logger.debug("probe failed; circuit stays open", metadata: [
                    "provider": "\(provider)", "failed_probes": "\(failedProbes)", "reason": "\(response.message)",
                    "next_probe_in_s": "\(String(format: "%.1f", nextProbeAt - now))",
                ])
            case .circuitClosed(let openFor):
                try store.setCircuit(provider: provider, nil)
                try store.releaseQueue(provider: provider, now: now)
                EngineMetrics.circuit(provider: provider, open: false)
                logger.notice("provider answers again: circuit closed, delivery resumes at full rate", metadata: [
                    "provider": "\(provider)", "open_for_s": "\(Int(openFor))",
                ])
            case .paused(let reason, let nextProbeAt):
                if let pause = machine.pause { try store.setProviderPause(provider: provider, pause) }
                EngineMetrics.delivery(provider: provider, outcome: "paused")
                var line = meta()
                line["reason"] = "\(reason)"
                line["next_probe_in_s"] = "\(Int(nextProbeAt - now))"
                logger.error("credentials refused: provider paused, fix the secret and reload", metadata: line)
            case .resumed(let pausedFor):
                try store.setProviderPause(provider: provider, nil)
                try store.releaseQueue(provider: provider, now: now)
                logger.notice("credentials accepted again; provider resumed", metadata: ["provider": "\(provider)", "paused_for_s": "\(Int(pausedFor))"])
            case .held(let until):
                // In the state, so that the next process (a `sync --once`, a restart) honours it.
                try store.deferQueue(provider: provider, until: until)
                report.heldUntil = until
            case .halt:
                halt = true
            }
        }
        return halt
    }

    /// Notes a 2xx, to be recorded a few at a time: with many requests in flight, one commit
    /// per answer was the bottleneck. A crash before they are recorded repeats those requests,
    /// which is harmless (each sends the full desired state).
    func acknowledge(_ ack: Acknowledgement) {
        pendingAcks.append(ack)
    }

    /// True when the 2xx noted should be recorded now: `ackBatch` of them, or the oldest has
    /// waited `ackDelay` seconds.
    func acknowledgementsDue(now: Double) -> Bool {
        guard let oldest = pendingAcks.first else { return false }
        return pendingAcks.count >= Self.ackBatch || now - oldest.now >= Self.ackDelay
    }

    /// The 2xx noted so far, handed over to be recorded elsewhere (`dispatchDue`'s recorder).
    func takeAcknowledgements() -> [Acknowledgement] {
        defer { pendingAcks.removeAll(keepingCapacity: true) }
        return pendingAcks
    }

    func flushAcknowledgements() throws {
        guard !pendingAcks.isEmpty else { return }
        try store.acknowledge(takeAcknowledgements())
    }

    /// Keeps the open circuit in the state and holds the queue until the probe: another
    /// process (the next `sync --once`, a restart) probes too instead of sending everything.
    private func saveCircuit(deferringQueueTo nextProbeAt: Double) throws {
        guard case .open(let since, let next, let failed, let wait) = machine.circuit else { return }
        try store.setCircuit(provider: provider, SavedCircuit(since: since, nextProbeAt: next, failedProbes: failed, wait: wait))
        try store.deferQueue(provider: provider, until: nextProbeAt)
    }
}

extension DeliveryStateMachine.Circuit {
    /// The circuit a saved one stands for.
    public init(_ saved: SavedCircuit?) {
        guard let saved else {
            self = .closed
            return
        }
        self = .open(since: saved.since, nextProbeAt: saved.nextProbeAt, failedProbes: saved.failedProbes, wait: saved.wait)
    }
}
