import AsyncHTTPClient
import Foundation
import Logging
import UserSyncConfig
import UserSyncCore
import UserSyncEngine
import UserSyncProviders
import UserSyncSources
import UserSyncStore

// usersync-bench seed CONFIG SOURCE_FILE
//
// Plans SOURCE_FILE (with CONFIG's mapping and providers) and records every document as
// already confirmed at its provider: the "previous version" a benchmark plans against.
//
// usersync-bench cycle CONFIG
//
// Runs one real cycle of CONFIG's engine without pushing (plan into the outbox only) and
// prints one JSON line: wall time, plan time, rows read, changes, incremental or not
// (scripts/bench-postgres.sh times change_column cycles with it).
let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "cycle" {
    do {
        let config = try ConfigLoader.load(path: arguments[2], providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let engine = try SyncEngine(config: config, client: client, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        let started = Date()
        let report = try await engine.runCycle(push: false)
        let wall = Date().timeIntervalSince(started)
        try await client.shutdown()
        let plan = report.plan
        print("{\"wall_ms\": \(Int(wall * 1000)), \"plan_ms\": \(Int(plan.durationSeconds * 1000)), \"rows\": \(plan.summary.rowsRead), "
            + "\"changes\": \(plan.summary.changes), \"incremental\": \(plan.incremental)}")
        exit(0)
    } catch {
        FileHandle.standardError.write("usersync-bench: \(error)\n".data(using: .utf8)!)
        exit(1)
    }
}
guard arguments.count == 4, arguments[1] == "seed" else {
    FileHandle.standardError.write("usage: usersync-bench seed CONFIG SOURCE_FILE | usersync-bench cycle CONFIG\n".data(using: .utf8)!)
    exit(64)
}
do {
    let config = try ConfigLoader.load(path: arguments[2], providers: BuiltInProviders.all, sources: SourceRegistry.configSchemas)
    var options = SyncEngine.Options(config).source
    options.path = arguments[3]
    // A file the benchmark generated itself, before this run: nothing is writing it.
    options.settleTime = .zero
    let source = try SourceRegistry.make(options)
    let store = try StateStore.open(path: config.state.path)
    var planner = Planner(projectors: ProviderRegistry.projectors(for: config.providers), mapping: config.source.fields, deletions: .ignore)
    var batch: [PlannedChange] = []
    var seeded = 0
    var failure: (any Error)?
    try source.read { item in
        planner.consider(item) { event in
            guard case .change(let change) = event else { return }
            batch.append(change)
            if batch.count >= 20_000 {
                do { try store.recordConfirmed(batch) } catch { failure = error }
                seeded += batch.count
                batch.removeAll(keepingCapacity: true)
            }
        }
    }
    try store.recordConfirmed(batch)
    seeded += batch.count
    if let failure { throw failure }
    print("seeded \(seeded) confirmed documents into \(config.state.path)")
} catch {
    FileHandle.standardError.write("usersync-bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
