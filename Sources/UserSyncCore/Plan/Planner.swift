/// Compares the source, streamed row by row, with the snapshot of what each provider was last
/// confirmed to hold (or already has queued), and emits only what differs.
///
/// Pure: rows and snapshot digests in, events out. Memory is one small entry per known user,
/// never a document: unchanged users cost a projection and a digest, nothing else.
public struct Planner {
    public static let maxProviders = 4

    struct Entry {
        var digests: SIMD4<UInt64> = .zero
        /// Bit i: provider slot i has a snapshot digest.
        var known: UInt8 = 0
        /// Bit i: a change was emitted for provider slot i this plan.
        var emitted: UInt8 = 0
        var counted: Counted = .notYet
        var firstNumber: Int32 = 0
        var firstLine: Int32 = 0
        var duplicate = false

        enum Counted: UInt8 { case notYet, unchanged, changed, rejected }
        var seen: Bool { firstNumber != 0 }
    }

    private let projectors: [any ProviderProjector]
    private let mapper: RecordMapper
    private let deletions: DeletionPolicy
    private var entries: [String: Entry] = [:]
    private var firstUnit: SourceLocation.Unit = .line
    public private(set) var summary = PlanSummary()

    public init(projectors: [any ProviderProjector], mapping: FieldMapping, deletions: DeletionPolicy, expectedUsers: Int = 0) {
        precondition(projectors.count <= Self.maxProviders, "at most \(Self.maxProviders) providers can be planned at once")
        self.projectors = projectors
        self.mapper = RecordMapper(mapping: mapping)
        self.deletions = deletions
        entries.reserveCapacity(expectedUsers)
        for projector in projectors { summary.providers[projector.provider] = PlanSummary.ProviderCounts() }
    }

    public var providers: [ProviderID] { projectors.map(\.provider) }

    /// Tells the planner what a provider holds (or has queued) for a user.
    public mutating func remember(provider: ProviderID, externalID: String, digest: DocumentDigest) {
        guard let slot = projectors.firstIndex(where: { $0.provider == provider }) else { return }
        entries[externalID, default: Entry()].digests[slot] = digest.rawValue
        entries[externalID, default: Entry()].known |= 1 << UInt8(slot)
    }

    public mutating func consider(_ item: SourceItem, emit: (PlanEvent) -> Void) {
        summary.rowsRead += 1
        switch item {
        case .unreadable(let location, let reason):
            reject(Rejection(location: location, externalID: nil, reason: reason), emit: emit)
        case .row(let row):
            switch mapper.record(from: row) {
            case .failure(let rejection):
                if let id = rejection.externalID, sighting(of: id, at: row.location, emit: emit) == .duplicate { return }
                reject(rejection, emit: emit)
                if let id = rejection.externalID { entries[id]?.counted = .rejected }
            case .success(let record):
                if sighting(of: record.externalID, at: row.location, emit: emit) == .duplicate { return }
                plan(record, emit: emit)
            }
        }
    }

    public mutating func consider(_ record: UserRecord, at location: SourceLocation, emit: (PlanEvent) -> Void) {
        summary.rowsRead += 1
        if sighting(of: record.externalID, at: location, emit: emit) == .duplicate { return }
        plan(record, emit: emit)
    }

    /// Ends the plan: users in the snapshot that the source no longer has are reported
    /// as removals when `sync.deletions` is `report`.
    public mutating func finish(emit: (PlanEvent) -> Void) -> PlanSummary {
        guard deletions == .report else { return summary }
        for (id, entry) in entries where !entry.seen && entry.known != 0 {
            for (slot, projector) in projectors.enumerated() where entry.known & (1 << UInt8(slot)) != 0 {
                summary.providers[projector.provider]?.removed += 1
                emit(.change(PlannedChange(provider: projector.provider, externalID: id, kind: .remove, document: nil, digest: nil, record: nil)))
            }
        }
        return summary
    }

    private enum Sighting { case first, duplicate }

    private mutating func sighting(of id: String, at location: SourceLocation, emit: (PlanEvent) -> Void) -> Sighting {
        var entry = entries[id] ?? Entry()
        guard entry.seen else {
            entry.firstNumber = Int32(truncatingIfNeeded: location.number)
            entry.firstLine = Int32(truncatingIfNeeded: location.line ?? 0)
            firstUnit = location.unit
            entries[id] = entry
            return .first
        }
        if !entry.duplicate {
            // The first copy was planned already: take it back and report it with the others.
            entry.duplicate = true
            switch entry.counted {
            case .unchanged: summary.unchanged -= 1
            case .changed:
                for (slot, projector) in projectors.enumerated() where entry.emitted & (1 << UInt8(slot)) != 0 {
                    if entry.known & (1 << UInt8(slot)) != 0 {
                        summary.providers[projector.provider]?.updated -= 1
                    } else {
                        summary.providers[projector.provider]?.created -= 1
                    }
                }
                emit(.retract(externalID: id))
            case .rejected, .notYet: break
            }
            entry.emitted = 0
            if entry.counted != .rejected {
                let first = SourceLocation(firstUnit, Int(entry.firstNumber), line: entry.firstLine == 0 ? nil : Int(entry.firstLine))
                reject(Rejection(location: first, externalID: id, reason: .duplicateExternalID(id)), emit: emit)
            }
            entry.counted = .rejected
            entries[id] = entry
        }
        reject(Rejection(location: location, externalID: id, reason: .duplicateExternalID(id)), emit: emit)
        return .duplicate
    }

    private mutating func plan(_ record: UserRecord, emit: (PlanEvent) -> Void) {
        var documents: [(slot: Int, document: JSONValue, digest: DocumentDigest)] = []
        documents.reserveCapacity(projectors.count)
        for (slot, projector) in projectors.enumerated() {
            switch projector.project(record) {
            case .success(let document):
                documents.append((slot, document, document.digest))
            case .failure(let reason):
                reject(Rejection(location: location(of: record.externalID), externalID: record.externalID, reason: reason), emit: emit)
                entries[record.externalID]?.counted = .rejected
                return
            }
        }
        var entry = entries[record.externalID]!
        for (slot, document, digest) in documents {
            let bit: UInt8 = 1 << UInt8(slot)
            let known = entry.known & bit != 0
            if known && entry.digests[slot] == digest.rawValue { continue }
            let provider = projectors[slot].provider
            entry.emitted |= bit
            if known { summary.providers[provider]?.updated += 1 } else { summary.providers[provider]?.created += 1 }
            emit(.change(PlannedChange(
                provider: provider, externalID: record.externalID, kind: known ? .update : .create,
                document: document, digest: digest, record: record)))
        }
        if entry.emitted == 0 {
            entry.counted = .unchanged
            summary.unchanged += 1
        } else {
            entry.counted = .changed
        }
        entries[record.externalID] = entry
    }

    private func location(of id: String) -> SourceLocation {
        let entry = entries[id]
        return SourceLocation(firstUnit, Int(entry?.firstNumber ?? 0), line: (entry?.firstLine).flatMap { $0 == 0 ? nil : Int($0) })
    }

    private mutating func reject(_ rejection: Rejection, emit: (PlanEvent) -> Void) {
        summary.rejectedByReason[rejection.reason.code, default: 0] += 1
        emit(.rejected(rejection))
    }
}
