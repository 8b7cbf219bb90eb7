import ArgumentParser
import Foundation
import UserSyncDaemon
import UserSyncEngine

/// `usersync run`: the long-running service (what systemd starts).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the sync service until SIGTERM (SIGHUP reloads the config).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        let environment = ProcessInfo.processInfo.environment
        let (logger, logSettings) = AppContext.bootstrapReloadableLogging(config, environment: environment)
        do {
            try await Daemon.run(
                config: config, configPath: options.config, environment: environment, logger: logger,
                applyLogSettings: { logSettings.update(AppContext.logValues($0, environment: environment)) })
        } catch {
            logger.critical("usersync cannot run", metadata: ["reason": "\(error)"])
            AppContext.printError("usersync: \(error)")
            throw ExitCode(SyncExitStatus.failure)
        }
    }
}
