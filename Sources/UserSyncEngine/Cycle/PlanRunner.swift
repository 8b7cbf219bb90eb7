import Foundation
import Logging
import UserSyncCore
import UserSyncSources
import UserSyncStore

/// Streams the source through the planner against the snapshot, handing planned changes to
/// a sink in batches (so an initial sync of a million users never holds them all).
struct PlanRunner {
    let source: any UserSource
    let projectors: [any ProviderProjector]
    let mapping: FieldMapping
    let deletions: DeletionPolicy
    let logger: Logger
    static let samplesPerReason = 5
    static let loggedRejectionsLimit = 1000
    static let batchSize = 5000
    /// Rows read before their snapshot is looked up, in an incremental plan.
    static let chunkSize = 1000

    /// - Parameter snapshot: nil plans against an empty snapshot (no state yet).
    /// - Parameter incremental: the read returns only some users (those changed since a
    ///   watermark): the snapshot is looked up for the users read, a chunk at a time, and a
    ///   user not read is never reported as gone.
    /// - Parameter read: how to read the source; `source.read` when nil.
    /// - Parameter sink: receives batches of changes; the last call carries the retracted ids.
    func run(
        snapshot: StateStore?, incremental: Bool = false,
        read: (((SourceItem) throws -> Void) throws -> Void)? = nil,
        sink: ([PlannedChange], Set<String>) throws -> Void
    ) throws -> PlanReport {
        let started = Date()
        var planner = Planner(projectors: projectors, mapping: mapping, deletions: incremental ? .ignore : deletions)
        // What the plan is computed against, as one number (`usersync plan`'s state version):
        // a hash over the snapshot as it streams by, no extra read (a full plan only).
        var stateHash = PlanHash()
        if let snapshot, !incremental {
            try snapshot.forEachSnapshotDigest(providers: planner.providers) { slot, id, digest in
                planner.remember(providerAt: slot, externalID: id, digest: digest)
                stateHash.add(slot, id, digest.rawValue)
            }
        }
        var report = PlanReport()
        var batch: [PlannedChange] = []
        var retracted: Set<String> = []
        var tallies: [ProviderID: MassChangeTally] = [:]
        var planHash = PlanHash()
        var logged = 0
        // Each batch is counted for the mass-change guard as it goes out: the previous documents
        // of its updates in one read per provider (what the summary's field counts need anyway).
        func send(_ changes: [PlannedChange], _ retracted: Set<String>) throws {
            count(changes, snapshot: snapshot, into: &tallies)
            for change in changes { planHash.add(change) }
            try sink(changes, retracted)
        }
        var sinkError: (any Error)?
        func handle(_ event: PlanEvent) {
            switch event {
            case .change(let change):
                if change.kind == .remove {
                    logger.notice("user left the source; nothing is deleted at the provider", metadata: [
                        "provider": "\(change.provider)", "external_id": "\(change.externalID)",
                    ])
                    return
                }
                batch.append(change)
                if batch.count >= Self.batchSize && sinkError == nil {
                    do { try send(batch, []) } catch { sinkError = error }
                    batch.removeAll(keepingCapacity: true)
                }
            case .retract(let id):
                retracted.insert(id)
            case .rejected(let rejection):
                report.rejectionSamples[rejection.reason.code, default: []].append(rejection)
                if report.rejectionSamples[rejection.reason.code]!.count > Self.samplesPerReason {
                    report.rejectionSamples[rejection.reason.code]!.removeLast()
                }
                logged += 1
                if logged <= Self.loggedRejectionsLimit {
                    var meta: Logger.Metadata = ["location": "\(rejection.location)", "reason": "\(rejection.reason.message)", "code": "\(rejection.reason.code)"]
                    if let id = rejection.externalID { meta["external_id"] = "\(id)" }
                    if let provider = rejection.provider { meta["provider"] = "\(provider)" }
                    logger.warning("row rejected", metadata: meta)
                } else if logged == Self.loggedRejectionsLimit + 1 {
                    logger.warning("more rows rejected; only the first \(Self.loggedRejectionsLimit) are logged this cycle")
                }
            }
        }
        let reader = read ?? { body in try source.read(body) }
        if incremental {
            // The snapshot of the users read, looked up a chunk at a time: reading every
            // digest would cost more than the few rows that changed.
            var pending: [SourceItem] = []
            func flush() throws {
                var ids: [String] = []
                for case .row(let row) in pending {
                    if let id = row.columns[mapping.externalID]?.scalarText?.trimmingCharacters(in: .whitespacesAndNewlines) { ids.append(id) }
                }
                if let snapshot, !ids.isEmpty {
                    try snapshot.snapshotDigests(providers: planner.providers, externalIDs: ids) { slot, id, digest in
                        planner.remember(providerAt: slot, externalID: id, digest: digest)
                    }
                }
                for item in pending { planner.consider(item, emit: handle) }
                pending.removeAll(keepingCapacity: true)
            }
            try reader { item in
                pending.append(item)
                if pending.count >= Self.chunkSize { try flush() }
            }
            try flush()
        } else {
            try reader { item in planner.consider(item, emit: handle) }
        }
        report.summary = planner.finish(emit: handle)
        // Users an incremental read did not return are unread, not gone.
        if !incremental { planner.forEachAbsent { provider, id in report.leftSource[provider, default: []].append(id) } }
        planner.forEachRejected { provider, id in report.rejectedKnown[provider, default: []].append(id) }
        if let sinkError { throw sinkError }
        try send(batch.filter { !retracted.contains($0.externalID) }, retracted)
        report.massChange = tallies
        report.changedFields = tallies.mapValues(\.changedByField).filter { !$0.value.isEmpty }
        report.stateVersion = stateHash.text
        report.planDigest = planHash.text
        report.durationSeconds = Date().timeIntervalSince(started)
        return report
    }

    /// Adds a batch to the per-provider tallies (creates by count, updates field by field
    /// against the previous documents, which the summary's changed fields come from too):
    /// one read per provider per batch, none without updates.
    private func count(_ changes: [PlannedChange], snapshot: StateStore?, into tallies: inout [ProviderID: MassChangeTally]) {
        var updates: [ProviderID: [PlannedChange]] = [:]
        for change in changes {
            switch change.kind {
            case .create: tallies[change.provider, default: MassChangeTally()].countCreated()
            case .update: updates[change.provider, default: []].append(change)
            case .remove: break
            }
        }
        for (provider, changes) in updates {
            let previous = snapshot.flatMap { try? $0.remoteDocuments(provider: provider, externalIDs: changes.map(\.externalID)) } ?? [:]
            for change in changes {
                // Measured by what the source asks for, not by what each API can do: an export
                // that lost its e-mail column is held even where the provider would keep them.
                tallies[provider, default: MassChangeTally()].count(from: previous[change.externalID], to: change.document)
            }
        }
    }
}

/// A running 64-bit FNV-1a hash, shown as 16 hex digits: the state version a plan was
/// computed against, and the digest of the plan itself.
struct PlanHash {
    private var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
        value = (value ^ 0xff) &* 0x100_0000_01b3
    }

    mutating func add(_ slot: Int, _ id: String, _ digest: UInt64) {
        add(String(slot).utf8)
        add(id.utf8)
        add(String(digest).utf8)
    }

    mutating func add(_ change: PlannedChange) {
        add(change.provider.rawValue.utf8)
        add(change.externalID.utf8)
        add(change.kind.rawValue.utf8)
        add(String(change.digest?.rawValue ?? 0).utf8)
    }

    var text: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
