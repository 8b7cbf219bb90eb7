import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals
import UserSyncConfig
import UserSyncEngine
import UserSyncStore

/// `usersync run`: takes the instance lock, opens the state, tells systemd it is ready and
/// runs the services until SIGTERM/SIGINT.
public enum Daemon {
    public struct AlreadyRunning: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter applyLogSettings: applies the `log` section (and the secrets to scrub) of a
    ///   config that a reload accepted; logging lives outside this module.
    public static func run(
        config: UserSyncConfiguration, configPath: String, environment: [String: String], logger: Logger,
        applyLogSettings: @escaping @Sendable (UserSyncConfiguration) -> Void = { _ in }
    ) async throws {
        let lock: InstanceLock
        do {
            lock = try InstanceLock(statePath: config.state.path)
        } catch {
            throw AlreadyRunning(description: "\(error)")
        }
        let engineOptions = SyncEngine.Options(config)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: SyncEngine.httpClientConfiguration(for: engineOptions))
        do {
            try await serve(
                config: config, configPath: configPath, environment: environment, client: client, logger: logger,
                applyLogSettings: applyLogSettings)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        withExtendedLifetime(lock) {}
    }

    static func serve(
        config: UserSyncConfiguration, configPath: String, environment: [String: String], client: HTTPClient, logger: Logger,
        applyLogSettings: @escaping @Sendable (UserSyncConfiguration) -> Void
    ) async throws {
        let notifier = SystemdNotifier(environment: environment)
        // A restart keeps honouring a pause's probe time: a crash loop must not lock a key out.
        let engine = try SyncEngine(config: config, client: client, logger: logger, resumePaused: false)
        let holder = EngineHolder(engine, config: config)
        let heartbeat = Heartbeat()
        let sync = SyncService(holder: holder, notifier: notifier, heartbeat: heartbeat, logger: logger)
        // SIGHUP's default action ends the process: trap it before systemd may send one (it
        // does as soon as READY=1 arrives), not when the reload service gets to run.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reload = ReloadService(
            configPath: configPath, environment: environment, holder: holder, syncService: sync, client: client,
            notifier: notifier, logger: logger, signals: hangups, applyLogSettings: applyLogSettings)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: sync, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            // Helpers end when shutdown begins; that must not cut the sync loop's drain short.
            .init(service: reload, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let interval = SystemdNotifier.watchdogInterval(environment: environment) {
            services.append(.init(
                service: WatchdogService(interval: interval, heartbeat: heartbeat, notifier: notifier),
                successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        if let listen = config.metrics.listen {
            // Bootstrapped once per process; a reload cannot move the listener.
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            services.append(.init(
                service: MetricsServer(host: listen.host, port: listen.port, registry: registry, logger: logger),
                successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = config.sync.shutdownTimeout
        group.logging = .init()
        logger.notice("usersync started", metadata: [
            "pid": "\(getpid())", "state": "\(config.state.path)",
            "providers": "\(engine.dispatchers.map(\.provider.rawValue).joined(separator: ","))",
        ])
        // READY=1 is sent by the sync service once it runs, that is once the group traps
        // SIGTERM/SIGINT: a stop or reload right after it is handled, never fatal.
        do {
            try await ServiceGroup(configuration: group).run()
        } catch is CancellationError {
            // The shutdown bound ran out: requests still in flight were cancelled and their
            // items stay queued (never recorded as sent), so this is still a clean stop.
            // (The sync service says so; the group usually returns rather than throws.)
        }
    }
}
