import ArgumentParser
import Foundation
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncStore

/// `usersync explain ID`: everything usersync knows about one user, field by field.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show one user: local value and each provider's last known value per field, queued changes, conflicts, the last decision.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The user's external id.") var externalID: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        guard let store = try StateStore.openReadOnly(path: config.state.path) else {
            print("No state yet at \(config.state.path).")
            return
        }
        let explanation = try UserExplanation.build(externalID: externalID, options: SyncEngine.Options(config), store: store)
        print(json ? explanation.json.canonicalText : explanation.text)
    }
}
