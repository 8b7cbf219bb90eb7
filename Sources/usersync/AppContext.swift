import ArgumentParser
import Foundation
import Logging
import UserSyncConfig
import UserSyncEngine
import UserSyncLogging

/// Loading the config and setting up logging, shared by the subcommands.
enum AppContext {
    /// Loads and validates the config; on any problem prints every issue and exits 78
    /// (EX_CONFIG) before anything has started.
    static func loadConfig(_ options: ConfigOptions) throws -> UserSyncConfiguration {
        do {
            return try ConfigLoader.load(path: options.config)
        } catch {
            printError(error.description)
            throw ArgumentParser.ExitCode(SyncExitStatus.config)
        }
    }

    static func bootstrapLogging(_ config: UserSyncConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) -> Logger {
        let scrubber = Scrubber(secrets: config.secretValues, showPII: config.log.showPII)
        let format: LogLineFormat
        switch config.log.format {
        case .auto: format = .automatic(environment: environment)
        case .journald: format = .journald
        case .logfmt: format = .logfmt
        case .json: format = .json
        }
        let level = Logger.Level(rawValue: config.log.level.rawValue) ?? .info
        LoggingSystem.bootstrap({ _, provider in
            var handler = LineLogHandler(level: level, format: format, scrubber: scrubber)
            handler.metadataProvider = provider
            return handler
        }, metadataProvider: RunContext.metadataProvider)
        return Logger(label: "usersync")
    }

    static func printError(_ text: String) {
        LineLogHandler.standardError(text.hasSuffix("\n") ? text : text + "\n")
    }
}

extension ExitCode {
    static let config = SyncExitStatus.config
}

extension UserSyncConfiguration {
    /// Every secret value, so the log scrubber can blot them out wherever they appear.
    var secretValues: [String] {
        [providers.performChat?.keySecret.revealed, providers.commBox?.token.revealed].compactMap { $0 }
    }
}
