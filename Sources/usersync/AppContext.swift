import ArgumentParser
import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncLogging
import UserSyncProviders
import UserSyncSources

/// Loading the config and setting up logging, shared by the subcommands.
enum AppContext {
    /// Loads and validates the config; on any problem prints every issue and exits 78
    /// (EX_CONFIG) before anything has started.
    static func loadConfig(_ options: ConfigOptions) throws -> UserSyncConfiguration {
        do {
            return try ConfigLoader.load(path: options.config, providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
        } catch {
            printError(error.description)
            throw ArgumentParser.ExitCode(SyncExitStatus.config)
        }
    }

    static func bootstrapLogging(_ config: UserSyncConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) -> Logger {
        bootstrapReloadableLogging(config, environment: environment).logger
    }

    /// Logging whose level, format and scrubber follow `settings`: the service updates them
    /// on a reload (`logValues` of the new config).
    static func bootstrapReloadableLogging(_ config: UserSyncConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) -> (logger: Logger, settings: LogSettings) {
        let settings = LogSettings(logValues(config, environment: environment))
        LoggingSystem.bootstrap({ _, provider in
            var handler = LineLogHandler(settings: settings)
            handler.metadataProvider = provider
            return handler
        }, metadataProvider: RunContext.metadataProvider)
        return (Logger(label: "usersync"), settings)
    }

    /// What the `log` section (and the secrets, for the scrubber) of a config asks for.
    static func logValues(_ config: UserSyncConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) -> LogSettings.Values {
        let scrubber = Scrubber(secrets: config.secretValues, showPII: config.log.showPII)
        let format: LogLineFormat
        switch config.log.format {
        case .auto: format = .automatic(environment: environment)
        case .journald: format = .journald
        case .logfmt: format = .logfmt
        case .json: format = .json
        }
        let level = Logger.Level(rawValue: config.log.level.rawValue) ?? .info
        return LogSettings.Values(level: level, format: format, scrubber: scrubber)
    }

    /// A `--provider` option must name an enabled provider; otherwise say which are and fail.
    static func requireEnabled(_ provider: String?, in config: UserSyncConfiguration) throws {
        let enabled = config.providers.ids
        guard let provider, !enabled.contains(ProviderID(provider)) else { return }
        printError("usersync: --provider \(provider): not an enabled provider (enabled: \(enabled.map(\.rawValue).joined(separator: ", ")))")
        throw ExitCode(SyncExitStatus.failure)
    }

    static func printError(_ text: String) {
        LineLogHandler.standardError(text.hasSuffix("\n") ? text : text + "\n")
    }
}

extension ExitCode {
    static let config = SyncExitStatus.config
}
