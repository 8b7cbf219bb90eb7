import ArgumentParser
import Foundation
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncLogging

/// `usersync plan --out FILE`: the full plan a cycle would make now, for review; writes
/// nothing to the state and sends nothing. `usersync apply FILE` enqueues it.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Write the plan a cycle would make now to a file, for review (then `usersync apply`).",
        discussion: """
            The file is JSON Lines: a summary first (counts per provider, the source fingerprint and the state version \
            the plan was computed against, and whether sync.guard would hold it), then one line per change with each \
            field's old and new value. E-mail addresses are redacted unless --show-pii. Exit status: 0 written; \
            78 the config is invalid; 1 any other error.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: "Where to write the plan (JSON Lines).")
    var out: String

    @Option(help: "Plan only this provider (performchat or commbox); default every enabled one.")
    var provider: String?

    @Flag(name: .customLong("show-pii"), help: "Write e-mail addresses in full (by default they are redacted).")
    var showPII = false

    func run() async throws {
        let config = try AppContext.loadConfig(options)
        let logger = AppContext.bootstrapLogging(config)
        try AppContext.requireEnabled(provider, in: config)
        let scrubber = Scrubber(secrets: config.secretValues, showPII: showPII)
        // The changes go to a scratch file first: the summary, written first, is known last.
        let scratch = out + ".changes.tmp"
        do {
            FileManager.default.createFile(atPath: scratch, contents: nil)
            let changes = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch))
            var buffer = ""
            let wanted = provider.map { [ProviderID($0)] }
            let result = try SyncEngine.preview(options: SyncEngine.Options(config), providers: wanted, logger: logger) { change, previous in
                buffer += PlanFile.line(change, previous: previous, scrubber: scrubber) + "\n"
                if buffer.utf8.count > 1 << 20 {
                    changes.write(Data(buffer.utf8))
                    buffer = ""
                }
            }
            changes.write(Data(buffer.utf8))
            try changes.close()
            let header = PlanFile.header(
                report: result.report, stamp: result.stamp, held: result.held, source: config.source.path, showPII: showPII)
            let partial = out + ".tmp"
            FileManager.default.createFile(atPath: partial, contents: Data((header + "\n").utf8))
            let file = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
            try file.seekToEnd()
            let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: scratch))
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { file.write(chunk) }
            try input.close()
            try file.close()
            try? FileManager.default.removeItem(atPath: out)
            try FileManager.default.moveItem(atPath: partial, toPath: out)
            try? FileManager.default.removeItem(atPath: scratch)
            var summary = "Plan written to \(out): \(result.report.summary.changes) changes"
            summary += " (" + result.stamp.providers.map { p in
                let c = result.report.summary.providers[p] ?? PlanSummary.ProviderCounts()
                return "\(p): \(c.created) new, \(c.updated) changed"
            }.joined(separator: "; ") + ")."
            print(summary)
            for (p, verdict) in result.held.sorted(by: { $0.key < $1.key }) {
                print("  \(p): over sync.guard.\(verdict.limit.rawValue) (\(MassChangeVerdict.percent(verdict.share)) \(verdict.verb): \(verdict.fieldsText)); apply needs --approve-mass-change.")
            }
            print("Review it, then: usersync apply \(out)")
        } catch {
            try? FileManager.default.removeItem(atPath: scratch)
            AppContext.printError("usersync: plan failed: \(error)")
            throw ExitCode(SyncExitStatus.failure)
        }
    }
}
