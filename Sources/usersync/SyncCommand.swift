import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import UserSyncConfig
import UserSyncDaemon
import UserSyncEngine

/// `usersync sync --once`: one whole cycle, then exit with a status that says how it went.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Run one sync cycle and exit.",
        discussion: """
            Exit status: 0 everything planned was delivered (or waits for the user to be created at the provider); \
            65 some changes were refused and dead-lettered; 69 a provider refused the credentials and is paused \
            (a saved pause is honoured: no request is sent to it until its probe time, or with --probe-auth once); \
            79 held for an operator (a conflict under conflict_policy manual, a user held for identity, or a mass change held by sync.guard until `usersync approve`); \
            75 some changes wait for a retry; 78 the config is invalid; 1 any other error.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Run a single cycle (the only mode of `sync`; `usersync run` is the service).")
    var once = false

    @Flag(name: .customLong("dry-run"), help: "Read, validate and plan only: write nothing, send nothing.")
    var dryRun = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "Plan even if the source looks unchanged since the last cycle, and look parked users up again now.")
    var force = false

    @Flag(
        name: .customLong("probe-auth"),
        help: "Try a provider paused after refused credentials now, with one request (by default its pause is honoured).")
    var probeAuth = false

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        let logger = AppContext.bootstrapLogging(config)
        let report: CycleReport
        do {
            if dryRun {
                let engineOptions = SyncEngine.Options(config)
                try await SyncEngine.waitForSourceToSettle(options: engineOptions, logger: logger)
                report = try SyncEngine.dryRun(options: engineOptions, logger: logger)
            } else {
                report = try await Self.cycle(config: config, force: force, probeAuth: probeAuth, logger: logger)
            }
        } catch {
            logger.error("sync failed", metadata: ["reason": "\(error)"])
            AppContext.printError("usersync: \(error)")
            throw ExitCode(SyncExitStatus.failure)
        }
        print(json ? report.json.canonicalText : report.text)
        let status = dryRun ? SyncExitStatus.ok : report.exitCode
        if status != 0 { throw ExitCode(status) }
    }

    static func cycle(config: UserSyncConfiguration, force: Bool, probeAuth: Bool, logger: Logger) async throws -> CycleReport {
        // A manual sync while the service runs would deliver the same queue twice.
        let lock = try InstanceLock(statePath: config.state.path)
        defer { withExtendedLifetime(lock) {} }
        let engineOptions = SyncEngine.Options(config)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: SyncEngine.httpClientConfiguration(for: engineOptions))
        do {
            // A saved pause is honoured: ten runs from cron with a bad secret would otherwise
            // be ten failed logins, and perform.chat locks the key after ten.
            let engine = try SyncEngine(options: engineOptions, client: client, logger: logger, resumePaused: false)
            if probeAuth {
                for dispatcher in engine.dispatchers { await dispatcher.probeAuthNow() }
            }
            for dispatcher in engine.dispatchers {
                if let pause = await dispatcher.pause, !probeAuth {
                    logger.warning("provider paused after refused credentials: nothing is sent to it (use --probe-auth to try once)", metadata: [
                        "provider": "\(dispatcher.provider)", "reason": "\(pause.reason)",
                    ])
                }
            }
            // One cycle and no next one: a source file still being written is waited for.
            try await engine.waitForSourceToSettle()
            // By hand and forced: users awaiting creation are looked up now, not at their re-check time.
            if force { _ = try engine.store.recheckParkedNow() }
            let report = try await engine.runCycle(forcePlan: force)
            try await client.shutdown()
            return report
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
