/// Compares the source, streamed row by row, with the snapshot of what each provider was last
/// confirmed to hold (or already has queued), and emits only what differs.
///
/// Pure: rows and snapshot digests in, events out. Memory is a few bytes per known user,
/// never a document: an unchanged user costs one digest per provider (`ProviderProjector.digest`,
/// which need not build the document) and one index lookup; only changed users are projected.
public struct Planner {
    public static let maxProviders = 4

    /// What the plan knows of one user besides its digests (12 bytes).
    struct Entry {
        /// Bit i: provider slot i has a snapshot digest.
        var known: UInt8 = 0
        /// Bit i: a change was emitted for provider slot i this plan.
        var emitted: UInt8 = 0
        var counted: Counted = .notYet
        var duplicate = false
        var firstNumber: Int32 = 0
        var firstLine: Int32 = 0

        enum Counted: UInt8 { case notYet, unchanged, changed, rejected }
        var seen: Bool { firstNumber != 0 }
    }

    private let projectors: [any ProviderProjector]
    private let mapper: RecordMapper
    private let deletions: DeletionPolicy
    /// External id → user number; the number indexes `entries` and `snapshot`.
    private var index: UserIndex
    private var entries: [Entry] = []
    /// The snapshot digest of user n for provider slot i at `n * providerCount + i`.
    private var snapshot: [UInt64] = []
    /// The case-folded e-mail hash of user n (0: none), to find users sharing an address.
    private var emailHashes: [UInt64] = []
    private let providerCount: Int
    private var firstUnit: SourceLocation.Unit = .line
    public private(set) var summary = PlanSummary()

    public init(projectors: [any ProviderProjector], mapping: FieldMapping, deletions: DeletionPolicy, expectedUsers: Int = 0) {
        precondition(projectors.count <= Self.maxProviders, "at most \(Self.maxProviders) providers can be planned at once")
        self.projectors = projectors
        self.mapper = RecordMapper(mapping: mapping)
        self.deletions = deletions
        providerCount = max(projectors.count, 1)
        index = UserIndex(minimumCapacity: expectedUsers)
        entries.reserveCapacity(expectedUsers)
        emailHashes.reserveCapacity(expectedUsers)
        snapshot.reserveCapacity(expectedUsers * providerCount)
        for projector in projectors { summary.providers[projector.provider] = PlanSummary.ProviderCounts() }
    }

    public var providers: [ProviderID] { projectors.map(\.provider) }

    /// Tells the planner what a provider holds (or has queued) for a user.
    public mutating func remember(provider: ProviderID, externalID: String, digest: DocumentDigest) {
        guard let slot = projectors.firstIndex(where: { $0.provider == provider }) else { return }
        remember(providerAt: slot, externalID: externalID, digest: digest)
    }

    /// `remember(provider:…)` for the provider at `slot` in `providers`: for a snapshot
    /// streamed one provider at a time. A later digest for the same user replaces an earlier one.
    public mutating func remember(providerAt slot: Int, externalID: String, digest: DocumentDigest) {
        precondition(slot >= 0 && slot < projectors.count, "no provider at slot \(slot)")
        let user = number(of: externalID)
        snapshot[user * providerCount + slot] = digest.rawValue
        entries[user].known |= 1 << UInt8(slot)
    }

    public mutating func consider(_ item: SourceItem, emit: (PlanEvent) -> Void) {
        summary.rowsRead += 1
        switch item {
        case .unreadable(let location, let reason):
            reject(Rejection(location: location, externalID: nil, reason: reason), emit: emit)
        case .row(let row):
            switch mapper.record(from: row) {
            case .failure(let rejection):
                guard let id = rejection.externalID else { return reject(rejection, emit: emit) }
                guard let user = sighting(of: id, at: row.location, emit: emit) else { return }
                reject(rejection, emit: emit)
                entries[user].counted = .rejected
            case .success(let record):
                guard let user = sighting(of: record.externalID, at: row.location, emit: emit) else { return }
                plan(record, user: user, emit: emit)
            }
        }
    }

    public mutating func consider(_ record: UserRecord, at location: SourceLocation, emit: (PlanEvent) -> Void) {
        summary.rowsRead += 1
        guard let user = sighting(of: record.externalID, at: location, emit: emit) else { return }
        plan(record, user: user, emit: emit)
    }

    /// Ends the plan: users in the snapshot that the source no longer has are reported
    /// as removals when `sync.deletions` is `report`, and users sharing an e-mail address
    /// are grouped in the summary.
    public mutating func finish(emit: (PlanEvent) -> Void) -> PlanSummary {
        summary.sharedEmails = sharedEmailGroups()
        guard deletions == .report else { return summary }
        for (user, entry) in entries.enumerated() where !entry.seen && entry.known != 0 {
            for (slot, projector) in projectors.enumerated() where entry.known & (1 << UInt8(slot)) != 0 {
                summary.providers[projector.provider]?.removed += 1
                emit(.change(PlannedChange(provider: projector.provider, externalID: index.ids[user], kind: .remove, document: nil, digest: nil, record: nil)))
            }
        }
        return summary
    }

    /// The user number of `id`, with an empty entry and no digests if it is new.
    private mutating func number(of id: String) -> Int {
        let (user, inserted) = index.insert(id)
        if inserted {
            entries.append(Entry())
            emailHashes.append(0)
            for _ in 0..<providerCount { snapshot.append(0) }
        }
        return user
    }

    /// Records that the source holds `id` at `location`: the user's number the first time,
    /// nil (after reporting every copy) when the id was seen before.
    private mutating func sighting(of id: String, at location: SourceLocation, emit: (PlanEvent) -> Void) -> Int? {
        let user = number(of: id)
        guard entries[user].seen else {
            entries[user].firstNumber = Int32(truncatingIfNeeded: location.number)
            entries[user].firstLine = Int32(truncatingIfNeeded: location.line ?? 0)
            firstUnit = location.unit
            return user
        }
        var entry = entries[user]
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
                reject(Rejection(location: firstLocation(of: user), externalID: id, reason: .duplicateExternalID(id)), emit: emit)
            }
            entry.counted = .rejected
            entries[user] = entry
        }
        reject(Rejection(location: location, externalID: id, reason: .duplicateExternalID(id)), emit: emit)
        return nil
    }

    private mutating func plan(_ record: UserRecord, user: Int, emit: (PlanEvent) -> Void) {
        emailHashes[user] = record.email.map(Self.emailHash) ?? 0
        // Digests first, for every provider. A provider that refuses the record (a value over
        // its limit) is left out; the others still get it.
        var digests = SIMD4<UInt64>()
        var refused: UInt8 = 0
        var firstReason: RejectionReason?
        for (slot, projector) in projectors.enumerated() {
            switch projector.digest(record) {
            case .success(let digest): digests[slot] = digest.rawValue
            case .failure(let reason):
                refused |= 1 << UInt8(slot)
                firstReason = firstReason ?? reason
                refuse(record, user: user, reason, provider: projector.provider, emit: emit)
            }
        }
        var entry = entries[user]
        var changed: UInt8 = 0
        for slot in projectors.indices where refused & (1 << UInt8(slot)) == 0 {
            let bit: UInt8 = 1 << UInt8(slot)
            if entry.known & bit == 0 || snapshot[user * providerCount + slot] != digests[slot] { changed |= bit }
        }
        if changed != 0 {
            // Only now build the documents, and all of them before emitting any (a projector
            // whose `digest` accepts a record its `project` refuses still refuses it).
            var documents: [(slot: Int, document: JSONValue)] = []
            for slot in projectors.indices where changed & (1 << UInt8(slot)) != 0 {
                switch projectors[slot].project(record) {
                case .success(let document): documents.append((slot, document))
                case .failure(let reason):
                    refused |= 1 << UInt8(slot)
                    firstReason = firstReason ?? reason
                    refuse(record, user: user, reason, provider: projectors[slot].provider, emit: emit)
                }
            }
            for (slot, document) in documents {
                let known = entry.known & (1 << UInt8(slot)) != 0
                let provider = projectors[slot].provider
                if known { summary.providers[provider]?.updated += 1 } else { summary.providers[provider]?.created += 1 }
                emit(.change(PlannedChange(
                    provider: provider, externalID: record.externalID, kind: known ? .update : .create,
                    document: document, digest: DocumentDigest(rawValue: digests[slot]), record: record)))
                entry.emitted |= 1 << UInt8(slot)
            }
        }
        if entry.emitted != 0 {
            entry.counted = .changed
        } else if let firstReason, refused.nonzeroBitCount == projectors.count {
            // Refused by every provider: a rejected row like any other.
            summary.rejectedByReason[firstReason.code, default: 0] += 1
            entry.counted = .rejected
        } else {
            entry.counted = .unchanged
            summary.unchanged += 1
        }
        entries[user] = entry
    }

    /// One provider refuses the record: a rejection naming it, counted for that provider;
    /// counted as a rejected row only once every provider refused it.
    private mutating func refuse(_ record: UserRecord, user: Int, _ reason: RejectionReason, provider: ProviderID, emit: (PlanEvent) -> Void) {
        let rejection = Rejection(location: firstLocation(of: user), externalID: record.externalID, reason: reason, provider: provider)
        summary.providers[provider]?.refusedByReason[reason.code, default: 0] += 1
        emit(.rejected(rejection))
    }

    /// Groups of users whose e-mail addresses are equal once case-folded (a group of two or
    /// more each; duplicate ids are left out, they are not synced at all).
    private func sharedEmailGroups() -> [[String]] {
        // Sorting a copy of the hashes finds the few that repeat without a dictionary of every
        // address (a million entries would cost more memory than the rest of the plan).
        var sorted = emailHashes.filter { $0 != 0 }
        sorted.sort()
        var repeated: Set<UInt64> = []
        for i in sorted.indices.dropFirst() where sorted[i] == sorted[i - 1] { repeated.insert(sorted[i]) }
        guard !repeated.isEmpty else { return [] }
        var groups: [UInt64: [Int]] = [:]
        for (user, hash) in emailHashes.enumerated() where repeated.contains(hash) && entries[user].seen && !entries[user].duplicate {
            groups[hash, default: []].append(user)
        }
        return groups.values.filter { $0.count > 1 }.map { $0.map { index.ids[$0] }.sorted() }.sorted { $0[0] < $1[0] }
    }

    /// A 64-bit FNV-1a hash of the address, case-folded (ASCII by bytes, other text by
    /// `lowercased`). Never 0, which stands for "no e-mail".
    static func emailHash(_ email: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var ascii = true
        for byte in email.utf8 {
            if byte >= 0x80 { ascii = false; break }
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            hash = (hash ^ UInt64(folded)) &* 0x100_0000_01b3
        }
        if !ascii {
            hash = 0xcbf2_9ce4_8422_2325
            for byte in email.lowercased().utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return hash == 0 ? 1 : hash
    }

    private func firstLocation(of user: Int) -> SourceLocation {
        let entry = entries[user]
        return SourceLocation(firstUnit, Int(entry.firstNumber), line: entry.firstLine == 0 ? nil : Int(entry.firstLine))
    }

    private mutating func reject(_ rejection: Rejection, emit: (PlanEvent) -> Void) {
        summary.rejectedByReason[rejection.reason.code, default: 0] += 1
        emit(.rejected(rejection))
    }
}

extension Planner {
    /// After every row was considered: each provider's users the snapshot knows and the source
    /// no longer holds, whatever `sync.deletions` says (what `usersync status` calls "left
    /// the source").
    public func forEachAbsent(_ body: (ProviderID, String) -> Void) {
        for (user, entry) in entries.enumerated() where !entry.seen && entry.known != 0 {
            for (slot, projector) in projectors.enumerated() where entry.known & (1 << UInt8(slot)) != 0 {
                body(projector.provider, index.ids[user])
            }
        }
    }

    /// After every row was considered: each provider's users the snapshot knows whose row
    /// the source holds but rejected (invalid, or a duplicated id): what the provider holds
    /// for them is not what the source says.
    public func forEachRejected(_ body: (ProviderID, String) -> Void) {
        for (user, entry) in entries.enumerated() where entry.seen && entry.counted == .rejected && entry.known != 0 {
            for (slot, projector) in projectors.enumerated() where entry.known & (1 << UInt8(slot)) != 0 {
                body(projector.provider, index.ids[user])
            }
        }
    }
}
