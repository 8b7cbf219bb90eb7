import ArgumentParser
import Foundation
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncStore

/// `usersync queue ...`: look at and act on the outbox and the dead letters.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "List, retry or drop queued changes and dead letters.",
        subcommands: [List.self, Retry.self, Drop.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued changes (or dead letters with --dead).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only this provider (performchat, commbox).") var provider: String?
        @Flag(help: "List the dead letters instead of the queue.") var dead = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let config = try AppContext.loadConfig(options)
            guard let store = try StateStore.openReadOnly(path: config.state.path) else {
                print(json ? "[]" : "No state yet at \(config.state.path): nothing has been queued.")
                return
            }
            let provider = try QueueCommand.provider(self.provider, config: config)
            let rows: [[String: JSONValue]]
            if dead {
                rows = try store.deadLetters(provider: provider).map { d in
                    ["id": .number("\(d.id)"), "provider": .string(d.provider.rawValue), "external_id": .string(d.externalID),
                     "attempts": .number("\(d.attempts)"), "last_status": d.lastStatus.map { .number("\($0)") } ?? .null,
                     "last_message": .string(d.lastError), "dead_at": .string(QueueCommand.time(d.deadAt))]
                }
            } else {
                rows = try store.outboxItems(provider: provider, limit: 100_000).map { i in
                    ["id": .number("\(i.id)"), "provider": .string(i.provider.rawValue), "external_id": .string(i.externalID),
                     "state": .string(QueueCommand.stateName(i)),
                     "attempts": .number("\(i.attempts)"), "next_attempt": .string(QueueCommand.time(i.notBefore)),
                     "last_status": i.lastStatus.map { .number("\($0)") } ?? .null,
                     "last_message": i.lastError.map(JSONValue.string) ?? .null]
                }
            }
            if json {
                print(JSONValue.array(rows.map(JSONValue.object)).canonicalText)
                return
            }
            let columns = dead
                ? ["id", "provider", "external_id", "attempts", "last_status", "dead_at", "last_message"]
                : ["id", "provider", "external_id", "state", "attempts", "next_attempt", "last_status", "last_message"]
            print(QueueCommand.table(columns: columns, rows: rows))
            if rows.isEmpty { print(dead ? "(no dead letters)" : "(the queue is empty)") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a dead letter (or a waiting item) again now, or look parked users up again now.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The item's id, as `queue list` shows it.") var id: Int64?
        @Flag(name: .customLong("all-dead"), help: "Retry every dead letter.") var allDead = false
        @Flag(help: "Look every parked user (awaiting creation at the provider) up again at the next cycle, in one batch.")
        var parked = false
        @Option(help: "With --all-dead or --parked: only this provider.") var provider: String?

        func validate() throws {
            if [id != nil, allDead, parked].filter({ $0 }).count != 1 {
                throw ValidationError("give exactly one of an item id, --all-dead or --parked")
            }
            if id != nil, provider != nil { throw ValidationError("--provider goes with --all-dead or --parked, not with an item id") }
        }

        func run() async throws {
            let config = try AppContext.loadConfig(options)
            // Without a state there is nothing to retry; opening it for writing would create it.
            guard try StateStore.openReadOnly(path: config.state.path) != nil else {
                if allDead || parked {
                    print("No state yet at \(config.state.path): there are no \(parked ? "parked users" : "dead letters").")
                    return
                }
                throw QueueCommand.notFound(id!)
            }
            let store = try StateStore.open(path: config.state.path)
            if parked {
                let count = try store.recheckParkedNow(provider: try QueueCommand.provider(provider, config: config))
                print("\(count) parked user(s) due for a re-check now; the next cycle looks them up (in one batch per provider).")
                return
            }
            if allDead {
                let count = try store.retryAllDead(provider: try QueueCommand.provider(provider, config: config))
                print("\(count) dead letter(s) back in the queue; the next cycle sends them.")
                return
            }
            switch try store.retryItem(id: id!) {
            case .notFound: throw QueueCommand.notFound(id!)
            case .rescheduled: print("item \(id!) is due now; the next cycle sends it.")
            case .requeued: print("dead letter \(id!) is back in the queue; the next cycle sends it.")
            case .superseded: print("dead letter \(id!) removed: a newer change for the same user is already queued.")
            case .dropped: break
            }
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a queued change or a dead letter.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The item's id, as `queue list` shows it.") var id: Int64

        func run() async throws {
            let config = try AppContext.loadConfig(options)
            // Without a state there is nothing to drop; opening it for writing would create it.
            guard try StateStore.openReadOnly(path: config.state.path) != nil else { throw QueueCommand.notFound(id) }
            let store = try StateStore.open(path: config.state.path)
            guard try store.dropItem(id: id) == .dropped else { throw QueueCommand.notFound(id) }
            print("item \(id) dropped. If the source still differs from the provider, the next cycle plans it again.")
        }
    }

    /// What `queue list` calls an item's state.
    static func stateName(_ item: OutboxItem) -> String {
        switch item.state {
        case .parked: return "awaiting_creation"
        case .held: return "held_by_conflict"
        default: return "pending"
        }
    }

    static func notFound(_ id: Int64) -> Error {
        AppContext.printError("usersync: no queued item or dead letter has id \(id) (see `usersync queue list` and `usersync queue list --dead`)")
        return ExitCode(1)
    }

    static func provider(_ name: String?, config: UserSyncConfiguration) throws -> ProviderID? {
        guard let name else { return nil }
        let known = ProviderRegistry.projectors(for: config.providers).map(\.provider.rawValue)
        guard known.contains(name) else {
            throw ValidationError("unknown or disabled provider \"\(name)\"; enabled: \(known.joined(separator: ", "))")
        }
        return ProviderID(name)
    }

    /// The state as `queue list` names it.
    static func stateName(_ state: OutboxItem.State) -> String {
        switch state {
        case .pending: return "pending"
        case .parked: return "awaiting_creation"
        case .held: return "held_conflict"
        case .heldForIdentity: return "held_identity"
        }
    }

    static func time(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func table(columns: [String], rows: [[String: JSONValue]]) -> String {
        let cells = rows.map { row in columns.map { row[$0].flatMap { $0.scalarText } ?? "-" } }
        let widths = columns.indices.map { i in ([columns[i].count] + cells.map { min($0[i].count, 60) }).max()! }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { value, width in
                let v = value.count > 60 ? String(value.prefix(57)) + "..." : value
                return v.padding(toLength: width, withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(columns.map { $0.uppercased() })] + cells.map(line)).joined(separator: "\n")
    }
}
