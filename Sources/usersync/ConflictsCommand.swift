import ArgumentParser
import Foundation
import UserSyncCore
import UserSyncStore

/// `usersync conflicts ...`: fields changed on both sides, held under `conflict_policy: manual`.
struct ConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "List and resolve conflicts (a field changed both locally and at a provider).",
        subcommands: [List.self, Resolve.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open conflicts: base, local and remote value per field.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Also list resolved conflicts.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let config = try AppContext.loadConfig(options)
            guard let store = try StateStore.openReadOnly(path: config.state.path) else {
                print(json ? "[]" : "No state yet: no conflicts.")
                return
            }
            let conflicts = try store.conflicts(openOnly: !all)
            if json {
                print(JSONValue.array(conflicts.map(ConflictsCommand.document)).canonicalText)
                return
            }
            if conflicts.isEmpty { print(all ? "(no conflicts)" : "(no open conflicts)") }
            for c in conflicts {
                print("#\(c.id) \(c.provider) \(c.externalID) \(c.field) [\(c.resolution)]")
                print("    base:   \(ConflictsCommand.show(c.base))")
                print("    local:  \(ConflictsCommand.show(c.local))")
                print("    remote: \(ConflictsCommand.show(c.remote))")
                print("    \(c.rule)")
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Settle a held conflict; the next cycle syncs the user.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The conflict's id, as `conflicts list` shows it.") var id: Int64
        @Option(help: "Which side wins: local or remote.") var take: Side

        enum Side: String, ExpressibleByArgument { case local, remote }

        func run() async throws {
            let config = try AppContext.loadConfig(options)
            let store = try StateStore.open(path: config.state.path)
            guard let conflict = try store.resolveConflict(id: id, takeRemote: take == .remote) else {
                AppContext.printError("usersync: no open conflict has id \(id) (see `usersync conflicts list`)")
                throw ExitCode(1)
            }
            print("conflict #\(id) (\(conflict.provider) \(conflict.externalID) \(conflict.field)) settled: \(take.rawValue) wins; the next cycle syncs it.")
        }
    }

    static func show(_ value: JSONValue?) -> String {
        value.map { $0.stringValue ?? $0.canonicalText } ?? "(absent)"
    }

    static func document(_ c: StoredConflict) -> JSONValue {
        .object([
            "id": JSONValue(Int(c.id)), "provider": .string(c.provider.rawValue), "external_id": .string(c.externalID),
            "field": .string(c.field), "path": .string(c.path), "base": c.base ?? .null, "local": c.local ?? .null,
            "remote": c.remote ?? .null, "resolution": .string(c.resolution), "rule": .string(c.rule),
            "detected_at": .string(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: c.detectedAt))),
        ])
    }
}
