import ArgumentParser
import Foundation
import UserSyncCore
import UserSyncEngine
import UserSyncStore

/// `usersync approve`: releases a mass change held by `sync.guard`, as it stands.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a mass change held by sync.guard, as it stands.",
        discussion: """
            A held plan moves to the outbox now (the service, or `usersync sync --once`, sends it); held pulled changes \
            are taken at the next cycle and written back. Check `usersync status` first: it names the limit, the share and \
            the fields. A plan that is wrong is not approved: fix the source instead, and the next cycle drops the hold. \
            Exit status: 0 approved (or nothing was held); 1 an error (an unknown provider).
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: "Approve only this provider's hold (performchat or commbox); default every hold.")
    var provider: String?

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        let logger = AppContext.bootstrapLogging(config)
        try AppContext.requireEnabled(provider, in: config)
        guard try StateStore.openReadOnly(path: config.state.path) != nil else {
            print("No state yet at \(config.state.path): nothing is held.")
            return
        }
        let store = try StateStore.open(path: config.state.path)
        let holds = try store.guardHolds().filter { provider == nil || $0.provider.rawValue == provider }
        if holds.isEmpty {
            print(provider.map { "No mass change is held for \($0)." } ?? "No mass change is held.")
            return
        }
        for hold in holds {
            let share = "\(MassChangeVerdict.percent(hold.verdict.share)) \(hold.verdict.verb) (\(hold.verdict.fieldsText))"
            switch hold.direction {
            case .push:
                let count = try store.approveHeldPlan(provider: hold.provider) ?? 0
                print("\(hold.provider): held plan approved: \(count) changes queued (\(share)); the service or `usersync sync --once` sends them.")
            case .pull:
                let count = try store.approvePullHold(provider: hold.provider) ?? 0
                print("\(hold.provider): held pull approved: \(count) users' changes are taken at the next cycle (\(share)).")
            }
            logger.notice("mass change approved by an operator", metadata: [
                "provider": "\(hold.provider)", "direction": "\(hold.direction.rawValue)", "share": "\(MassChangeVerdict.percent(hold.verdict.share))",
                "fields": "\(hold.verdict.fieldsText)",
            ])
        }
    }
}
