import Metrics
import UserSyncCore

/// What the engine reports through swift-metrics. Without a metrics backend (the default,
/// `metrics.listen` unset) these calls cost next to nothing.
enum EngineMetrics {
    static func cycle(_ report: CycleReport) {
        Timer(label: "usersync_cycle_duration_seconds").recordSeconds(report.durationSeconds)
        for (provider, counts) in report.plan.summary.providers {
            Counter(label: "usersync_changes_planned_total", dimensions: [("provider", provider.rawValue)]).increment(by: counts.total)
        }
        for (reason, count) in report.plan.summary.rejectedByReason {
            Counter(label: "usersync_rejected_rows_total", dimensions: [("reason", reason)]).increment(by: count)
        }
        for (provider, state) in report.queues {
            Gauge(label: "usersync_queue_depth", dimensions: [("provider", provider.rawValue)]).record(state.queued)
            Gauge(label: "usersync_parked_users", dimensions: [("provider", provider.rawValue)]).record(state.parked)
            Gauge(label: "usersync_dead_letters", dimensions: [("provider", provider.rawValue)]).record(state.deadLetters)
            guardHeld(provider: provider, held: report.guardHolds.contains { $0.provider == provider })
        }
        for (provider, dispatch) in report.dispatch {
            Gauge(label: "usersync_provider_paused", dimensions: [("provider", provider.rawValue)]).record(dispatch.pausedReason == nil ? 0 : 1)
        }
    }

    /// One delivery attempt's outcome (`success`, `retry_later`, `dead_letter`, `paused`, `parked`).
    static func delivery(provider: ProviderID, outcome: String) {
        Counter(label: "usersync_deliveries_total", dimensions: [("provider", provider.rawValue), ("outcome", outcome)]).increment()
    }

    /// 1 while the provider's circuit is open (it is failing and only probed).
    /// 1 while a provider has a change held by the mass-change guard.
    static func guardHeld(provider: ProviderID, held: Bool) {
        Gauge(label: "usersync_guard_held", dimensions: [("provider", provider.rawValue)]).record(held ? 1 : 0)
    }

    static func circuit(provider: ProviderID, open: Bool) {
        Gauge(label: "usersync_circuit_open", dimensions: [("provider", provider.rawValue)]).record(open ? 1 : 0)
    }
}
