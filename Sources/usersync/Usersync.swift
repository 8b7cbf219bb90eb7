import ArgumentParser

@main
struct Usersync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usersync",
        abstract: "Keeps your user records in sync with perform.chat and CommBox.",
        discussion: "Reads one config file (default /etc/usersync/usersync.yaml). See the README for the reference.",
        subcommands: [RunCommand.self, SyncCommand.self, StatusCommand.self, QueueCommand.self, ConflictsCommand.self, ExplainCommand.self, CheckCommand.self, ApproveCommand.self, PlanCommand.self, ApplyCommand.self, PostgresCommand.self])
}

/// Options every subcommand takes.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The config file.")
    var config: String = "/etc/usersync/usersync.yaml"
}
