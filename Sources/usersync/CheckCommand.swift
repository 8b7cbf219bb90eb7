import ArgumentParser
import UserSyncConfig

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
        if quiet { return }
        print("# \(options.config): valid")
        print(config.renderEffective(), terminator: "")
    }
}
