import ArgumentParser
import UserSyncConfig
import UserSyncEngine
import UserSyncSources

/// `usersync postgres …`: helpers for a PostgreSQL source.
struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Helpers for a PostgreSQL source.",
        subcommands: [TriggerSQLCommand.self])
}

/// `usersync postgres trigger-sql`: prints the trigger and function that make the database
/// wake usersync up (`source.notify_channel`). usersync never installs them itself.
struct TriggerSQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger-sql",
        abstract: "Print the SQL (trigger + function) an operator installs to wake usersync up on changes.",
        discussion: "Run the output with psql as the table's owner. usersync never alters the schema itself.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        guard let postgres = config.source.postgres else {
            AppContext.printError("\(options.config): source.kind is \(config.source.kind); trigger-sql is for postgres sources")
            throw ExitCode(SyncExitStatus.config)
        }
        guard let channel = postgres.notifyChannel else {
            AppContext.printError("\(options.config): set source.notify_channel (e.g. usersync_users) first")
            throw ExitCode(SyncExitStatus.config)
        }
        print(PostgresTriggerSQL.text(table: postgres.tableOrQuery.table, channel: channel, changeColumn: postgres.changeColumn), terminator: "")
    }
}
