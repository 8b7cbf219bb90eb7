import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncStore

/// The cycle loop: a full cycle every `sync.interval` (and one at start), and in between,
/// delivery passes exactly when retries, parked re-checks or probes fall due. A cycle that
/// found the source file still being written is run again as soon as the file may have
/// settled (`source.settle_time`). On graceful
/// shutdown it stops taking new work, lets requests in flight finish, and returns.
final class SyncService: Service, Sendable {
    let holder: EngineHolder
    let notifier: SystemdNotifier
    let logger: Logger
    let wakeup = Wakeup()
    let stop = StopSignal()
    let heartbeat: Heartbeat

    init(holder: EngineHolder, notifier: SystemdNotifier, heartbeat: Heartbeat, logger: Logger) {
        self.holder = holder
        self.notifier = notifier
        self.heartbeat = heartbeat
        self.logger = logger
    }

    func run() async throws {
        // The group runs services only after trapping its shutdown signals (and the daemon
        // trapped SIGHUP before the group): from here on every signal systemd sends is handled.
        notifier.ready(status: "starting first cycle")
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.watchSource() }
                try await loop()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stop.set()
            self.notifier.stopping()
            Task { await self.wakeup.wake() }
        }
        if Task.isCancelled {
            // The group cancels us when sync.shutdown_timeout runs out (it does not throw).
            logger.warning("shutdown timeout reached; in-flight requests were cancelled and stay queued")
        }
        logger.notice("stopped; anything not yet delivered stays queued for the next start")
    }

    private func loop() async throws {
        var nextCycle = Date.distantPast
        var failures = 0
        while !stop.isSet && !Task.isCancelled {
            let (engine, config) = await holder.current
            heartbeat.beat()
            let requested = await holder.takeCycleRequest()
            do {
                if requested || Date() >= nextCycle {
                    let report = try await engine.runCycle(stop: stop, progress: heartbeat.beat)
                    nextCycle = Date().addingTimeInterval(Self.seconds(config.sync.interval))
                    failures = 0
                    if let settlesAt = report.sourceSettlesAt {
                        // The source file was still being written: read it as soon as it
                        // has settled, not a whole interval later.
                        nextCycle = min(nextCycle, Date(timeIntervalSince1970: settlesAt + Self.settleMargin))
                    }
                    let pauses = try engine.store.providerPauses().mapValues(\.reason)
                    notifier.status(StatusLine.make(report, providers: engine.dispatchers.map(\.provider), pauses: pauses))
                } else {
                    _ = try await engine.dispatchDue(stop: stop, progress: heartbeat.beat)
                }
            } catch {
                // A cycle that fails (source unreadable, state busy) is retried next interval.
                logger.error("cycle failed", metadata: ["reason": "\(error)"])
                notifier.status("last cycle failed: \(error)")
                failures += 1
                nextCycle = Date().addingTimeInterval(Self.retryDelay(failures: failures, interval: config.sync.interval))
            }
            if stop.isSet { break }
            var wake = nextCycle.timeIntervalSince1970
            if let due = try? await engine.nextDeliveryTime() { wake = min(wake, due) }
            let delay = max(0.05, wake - Date().timeIntervalSince1970)
            heartbeat.idle(true)
            await wakeup.sleep(for: .milliseconds(Int64(delay * 1000)))
            heartbeat.idle(false)
        }
    }

    /// With `source.notify_channel`: a change announced by the database starts a cycle at
    /// once instead of at `sync.interval`. Notifications arriving during a cycle coalesce
    /// into one more cycle (the debounce). Follows reloads: each engine listens with its
    /// own config, until it is replaced.
    private func watchSource() async {
        while !stop.isSet && !Task.isCancelled {
            let engine = await holder.engine
            guard engine.watchesSource else {
                // Nothing to listen to: check again after a reload.
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await engine.watchSource { [self] in
                        await self.holder.requestCycle()
                        await self.wakeup.wake()
                    }
                }
                // Until the engine is replaced (a reload) or the service stops.
                while !self.stop.isSet && !Task.isCancelled {
                    if await self.holder.engine !== engine { break }
                    try? await Task.sleep(for: .milliseconds(500))
                }
                group.cancelAll()
            }
        }
    }

    /// A reload swaps the engine: the loop picks it up and runs a cycle at once.
    func reloaded() async {
        await holder.requestCycle()
        await wakeup.wake()
    }

    /// Past the moment a file may have settled, so that the next look finds it settled.
    static let settleMargin = 0.02
    /// How long after a failed cycle the next one runs: 2 s, 4 s, 8 s… up to 5 minutes,
    /// never later than the regular interval (a database back from a restart is caught soon).
    static func retryDelay(failures: Int, interval: Duration) -> Double {
        let backoff = min(300, pow(2, Double(min(failures, 16))))
        return min(seconds(interval), backoff)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// The engine in use and the config it was built from (what only the service reads: the
/// cycle interval, the providers a reload may configure); a reload replaces both.
actor EngineHolder {
    private(set) var engine: SyncEngine
    private(set) var config: UserSyncConfiguration
    private var cycleRequested = false

    init(_ engine: SyncEngine, config: UserSyncConfiguration) {
        self.engine = engine
        self.config = config
    }

    /// Both at once: read apart, a reload in between would pair an engine with another config.
    var current: (engine: SyncEngine, config: UserSyncConfiguration) { (engine, config) }

    func replace(_ engine: SyncEngine, config: UserSyncConfiguration) {
        self.engine = engine
        self.config = config
    }

    func requestCycle() { cycleRequested = true }

    func takeCycleRequest() -> Bool {
        defer { cycleRequested = false }
        return cycleRequested
    }
}
