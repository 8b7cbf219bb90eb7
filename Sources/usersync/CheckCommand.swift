import ArgumentParser
import UserSyncConfig
import UserSyncEngine
import UserSyncSources

/// `usersync check`: validates the config and prints the effective values, secrets redacted.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config file and print the effective configuration (secrets redacted).")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print nothing when the config is valid (for ExecStartPre= and ExecReload=).")
    var quiet = false

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        do {
            // A database source is checked against its schema: a mapped column it lacks is a
            // config error like a misspelt key.
            try SourceCheck.run(SyncEngine.Options(config))
        } catch let error as SourceError where ["missing_column", "invalid_content", "invalid_options", "query_rejected"].contains(error.code) {
            AppContext.printError("\(options.config): source: \(error)")
            throw ArgumentParser.ExitCode(SyncExitStatus.config)
        } catch {
            // An unreachable server is not a config error: the service retries it.
            AppContext.printError("warning: the source's columns could not be checked: \(error)")
        }
        if quiet { return }
        print("# \(options.config): valid")
        print(config.renderEffective(), terminator: "")
    }
}
