import AsyncHTTPClient
import Logging
import ServiceLifecycle
import UnixSignals
import UserSyncConfig
import UserSyncEngine
import UserSyncSources

/// SIGHUP: re-read and validate the config. A valid one replaces the engine (providers
/// re-created, paused providers probed again); an invalid one is logged key by key and the
/// service keeps running on the old configuration.
final class ReloadService: Service, Sendable {
    let configPath: String
    let environment: [String: String]
    let holder: EngineHolder
    let syncService: SyncService
    let client: HTTPClient
    let notifier: SystemdNotifier
    let logger: Logger
    /// Created (and SIGHUP trapped) before the service reports ready.
    let signals: UnixSignalsSequence
    /// Log level, format, PII and the secrets to scrub follow the reloaded config.
    let applyLogSettings: @Sendable (UserSyncConfiguration) -> Void

    init(
        configPath: String, environment: [String: String], holder: EngineHolder, syncService: SyncService, client: HTTPClient,
        notifier: SystemdNotifier, logger: Logger, signals: UnixSignalsSequence,
        applyLogSettings: @escaping @Sendable (UserSyncConfiguration) -> Void = { _ in }
    ) {
        self.configPath = configPath
        self.environment = environment
        self.holder = holder
        self.syncService = syncService
        self.client = client
        self.notifier = notifier
        self.logger = logger
        self.signals = signals
        self.applyLogSettings = applyLogSettings
    }

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        notifier.reloading()
        defer { notifier.ready() }
        let config: UserSyncConfiguration
        do {
            // The providers the running config was loaded with are the ones this process knows.
            let providers = await holder.config.providers.registered
            config = try ConfigLoader.load(
                path: configPath, environment: environment, providers: providers, sources: SourceRegistry.configSchemas)
        } catch {
            for issue in error.issues {
                logger.error("reload refused: invalid config; still running on the previous one", metadata: [
                    "key": "\(issue.key)", "line": "\(issue.line.map(String.init) ?? "-")", "reason": "\(issue.message)",
                ])
            }
            notifier.status("reload refused: \(error.summary); running on the previous config")
            return
        }
        let current = await holder.engine
        guard config.state.path == current.options.statePath else {
            logger.error("reload refused: state.path cannot change while running; restart the service to move the state", metadata: ["key": "state.path"])
            return
        }
        do {
            let engine = try SyncEngine(config: config, client: client, logger: logger, store: current.store, resumePaused: true)
            await holder.replace(engine, config: config)
            applyLogSettings(config)
            logger.notice("configuration reloaded", metadata: ["providers": "\(engine.dispatchers.map(\.provider.rawValue).joined(separator: ","))"])
            await syncService.reloaded()
        } catch {
            logger.error("reload refused: \(error); still running on the previous config")
        }
    }
}
