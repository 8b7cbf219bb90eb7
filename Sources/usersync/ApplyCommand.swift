import ArgumentParser
import AsyncHTTPClient
import Foundation
import UserSyncConfig
import UserSyncCore
import UserSyncDaemon
import UserSyncEngine

/// `usersync apply FILE`: enqueues a plan written by `usersync plan`, exactly as reviewed.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Enqueue a plan written by `usersync plan`, if the source and the state are as they were.",
        discussion: """
            The plan is computed again and enqueued only if it is the one in the file: same source, same state, same \
            changes. The service, or `usersync sync --once`, then sends it. Exit status: 0 enqueued; \
            65 the plan is stale (the source or the state changed since): nothing enqueued, plan again or use --force; \
            79 the plan breaks a sync.guard limit: nothing enqueued, use --approve-mass-change after checking it; \
            78 the config is invalid; 1 any other error (an unreadable file, the service holds the state).
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The plan file written by `usersync plan --out`.")
    var file: String

    @Flag(help: "Apply even if the source or the state changed since the plan: the plan as computed now is enqueued.")
    var force = false

    @Flag(name: .customLong("approve-mass-change"), help: "Enqueue the plan even if it breaks a sync.guard limit.")
    var approveMassChange = false

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        let logger = AppContext.bootstrapLogging(config)
        guard let stamp = Self.readStamp(file) else {
            AppContext.printError("usersync: \(file): not a plan written by `usersync plan --out` (its first line must be the plan's summary)")
            throw ExitCode(SyncExitStatus.failure)
        }
        let outcome: ApplyOutcome
        do {
            // The service would plan and send the same source at the same time.
            let lock = try InstanceLock(statePath: config.state.path)
            defer { withExtendedLifetime(lock) {} }
            let engineOptions = SyncEngine.Options(config)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: SyncEngine.httpClientConfiguration(for: engineOptions))
            do {
                let engine = try SyncEngine(options: engineOptions, client: client, logger: logger, resumePaused: false)
                outcome = try engine.apply(stamp, force: force, approveMassChange: approveMassChange)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
        } catch {
            AppContext.printError("usersync: apply failed: \(error)")
            throw ExitCode(SyncExitStatus.failure)
        }
        switch outcome {
        case .applied(let changes, let differences):
            if !differences.isEmpty {
                print("Forced over a stale plan (\(differences.joined(separator: "; "))): the plan as computed now was enqueued.")
                logger.warning("stale plan applied with --force", metadata: ["file": "\(file)", "reasons": "\(differences.joined(separator: "; "))"])
            }
            print("Applied \(file): \(changes) changes queued for \(stamp.providers.map(\.rawValue).joined(separator: ", ")); the service or `usersync sync --once` sends them.")
            logger.notice("plan applied", metadata: ["file": "\(file)", "changes": "\(changes)"])
        case .stale(let reasons):
            AppContext.printError("usersync: \(file) is stale: \(reasons.joined(separator: "; ")). Nothing was enqueued. "
                + "Run `usersync plan --out \(file)` again and review it, or apply it anyway with --force.")
            throw ExitCode(SyncExitStatus.stalePlan)
        case .overLimit(let held):
            for (provider, verdict) in held.sorted(by: { $0.key < $1.key }) {
                AppContext.printError("usersync: \(file): \(provider): \(MassChangeVerdict.percent(verdict.share)) of \(verdict.syncedUsers) synced users "
                    + "\(verdict.verb), over sync.guard.\(verdict.limit.rawValue) \(MassChangeLimits.percent(verdict.limitShare)) (\(verdict.fieldsText)).")
            }
            AppContext.printError("usersync: nothing was enqueued; after checking the plan, apply it with --approve-mass-change.")
            throw ExitCode(SyncExitStatus.heldForOperator)
        }
    }

    /// The stamp in the file's first line (the file may be large: only that line is read).
    static func readStamp(_ path: String) -> PlanStamp? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
            if let newline = chunk.firstIndex(of: UInt8(ascii: "\n")) {
                bytes += chunk[chunk.startIndex..<newline]
                break
            }
            bytes += chunk
            if bytes.count > 16 << 20 { return nil }
        }
        guard let header = try? bytes.withUnsafeBufferPointer({ buffer in try JSONParser.parse(buffer) }) else { return nil }
        return PlanFile.stamp(from: header)
    }
}
