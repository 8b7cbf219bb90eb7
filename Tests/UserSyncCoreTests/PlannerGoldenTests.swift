import Testing
import UserSyncCore

/// The planner's scenarios live in `Golden/planner/<case>/` (see `PlannerGoldenFixture`); the
/// tests here check what a transcript cannot say.
@Suite("Planner golden scenarios")
struct PlannerGoldenTests {
    struct Outcome {
        var events: [GoldenEvent] = []
        var removals: [GoldenEvent] = []
        var changes: [PlannedChange] = []
        var summary = PlanSummary()

        var transcript: String { PlannerTranscript.render(events: events, removals: removals, summary: summary) }
    }

    static func run(_ c: PlannerScenario) -> Outcome {
        var planner = Planner(projectors: c.projectors, mapping: goldenMapping, deletions: c.deletions)
        for projector in c.projectors {
            for record in c.snapshot[projector.provider] ?? [] {
                planner.remember(provider: projector.provider, externalID: record.externalID, digest: projector.digest(of: record))
            }
        }
        var outcome = Outcome()
        for (index, input) in c.source.enumerated() {
            let emit: (PlanEvent) -> Void = { event in
                outcome.events.append(GoldenEvent(event))
                if case .change(let change) = event { outcome.changes.append(change) }
            }
            switch input {
            case .row(let columns): planner.consider(.row(SourceRow(location: line(index + 1), columns: columns)), emit: emit)
            case .unreadable(let reason): planner.consider(.unreadable(line(index + 1), reason), emit: emit)
            case .record(let record): planner.consider(record, at: line(index + 1), emit: emit)
            }
        }
        outcome.summary = planner.finish { event in outcome.removals.append(GoldenEvent(event)) }
        #expect(planner.summary == outcome.summary)
        return outcome
    }

    static let folders = GoldenFolder.all("planner")

    @Test func theScenarioFoldersAreFound() {
        #expect(Self.folders.count >= 28, "Golden/planner is missing or was emptied")
    }

    @Test(arguments: folders)
    func golden(_ folder: GoldenFolder) throws {
        let outcome = Self.run(try PlannerGoldenFixture(folder).scenario)
        if let difference = folder.compare(outcome.transcript) {
            Issue.record(Comment(rawValue: difference))
        }
    }

    @Test(arguments: folders)
    func countsAgreeWithTheEvents(_ folder: GoldenFolder) throws {
        // Every change still standing at the end is counted exactly once, every rejection too.
        let c = try PlannerGoldenFixture(folder).scenario
        let outcome = Self.run(c)
        let retracted = Set(outcome.events.compactMap { event -> String? in
            if case .retract(let id) = event { return id }
            return nil
        })
        let standing = outcome.changes.filter { !retracted.contains($0.externalID) }
        #expect(standing.count == outcome.summary.changes)
        let rejections = outcome.events.filter { event in
            if case .rejected = event { return true }
            return false
        }
        // A refusal counts for its provider; a row every provider refused is a rejected row too.
        var refusals: [String: Int] = [:]
        for case .refused(_, let id, _, let at) in outcome.events { refusals["\(id ?? "-")@\(at)", default: 0] += 1 }
        let refusedByAll = refusals.values.filter { $0 == c.projectors.count }.count
        #expect(refusals.values.reduce(0, +) == outcome.summary.providers.values.reduce(0) { $0 + $1.refused })
        #expect(rejections.count + refusedByAll == outcome.summary.rejected)
        #expect(outcome.summary.rowsRead == c.source.count)
    }

    @Test func changesCarryTheProjectedDocumentItsDigestAndTheRecord() throws {
        let outcome = Self.run(PlannerScenario(projectors: [.alpha, .beta], source: [row(ada)]))
        #expect(outcome.changes.count == 2)
        for change in outcome.changes {
            let projector = try #require([FakeProjector.alpha, .beta].first { $0.provider == change.provider })
            let expected = try projector.project(ada).get()
            #expect(change.document == expected)
            #expect(change.digest == expected.digest)
            #expect(change.record == ada)
        }
    }

    @Test func removalsCarryNoDocument() {
        let outcome = Self.run(PlannerScenario(deletions: .report, snapshot: [.alpha: [bob]], source: []))
        var planner = Planner(projectors: [FakeProjector.alpha], mapping: goldenMapping, deletions: .report)
        planner.remember(provider: .alpha, externalID: "bob", digest: FakeProjector.alpha.digest(of: bob))
        var removals: [PlannedChange] = []
        _ = planner.finish { if case .change(let change) = $0 { removals.append(change) } }
        #expect(outcome.removals == [.remove(.alpha, "bob")])
        #expect(removals.count == 1)
        #expect(removals.first?.document == nil)
        #expect(removals.first?.digest == nil)
        #expect(removals.first?.record == nil)
    }

    @Test func aSecondPlanOverWhatTheFirstEmittedIsQuiet() {
        // Given a first plan whose changes were all queued
        let source: [GoldenInput] = [row(ada), row(bob), row(cy, ["name": "Cy Twombly"])]
        let first = Self.run(PlannerScenario(projectors: [.alpha, .beta], snapshot: [.alpha: [cy]], source: source))
        #expect(first.changes.count == 6)
        // When the same source is planned against those digests
        var planner = Planner(projectors: [FakeProjector.alpha, .beta], mapping: goldenMapping, deletions: .report)
        for change in first.changes {
            planner.remember(provider: change.provider, externalID: change.externalID, digest: change.digest!)
        }
        var events: [GoldenEvent] = []
        for (index, input) in source.enumerated() {
            guard case .row(let columns) = input else { continue }
            planner.consider(.row(SourceRow(location: line(index + 1), columns: columns))) { events.append(GoldenEvent($0)) }
        }
        let summary = planner.finish { events.append(GoldenEvent($0)) }
        // Then nothing is emitted and everyone is unchanged
        #expect(events == [])
        #expect(summary.unchanged == 3)
        #expect(summary.changes == 0)
    }

    @Test func duplicateLocationsKeepTheirUnitAndLine() {
        // A JSON array source: elements with the line each starts on.
        var planner = Planner(projectors: [FakeProjector.alpha], mapping: goldenMapping, deletions: .ignore)
        var events: [GoldenEvent] = []
        let locations = [SourceLocation(.element, 1, line: 2), SourceLocation(.element, 2, line: 9), SourceLocation(.element, 3, line: 17)]
        for (location, record) in zip(locations, [ada, bob, ada]) {
            guard case .row(let columns) = row(record) else { continue }
            planner.consider(.row(SourceRow(location: location, columns: columns))) { events.append(GoldenEvent($0)) }
        }
        #expect(events == [
            .create(.alpha, "ada"), .create(.alpha, "bob"), .retract("ada"),
            .rejected("ada", code: "duplicate_external_id", at: SourceLocation(.element, 1, line: 2)),
            .rejected("ada", code: "duplicate_external_id", at: SourceLocation(.element, 3, line: 17)),
        ])
    }

    @Test func projectionFailureLocationKeepsItsLine() {
        var planner = Planner(projectors: [FakeProjector.strict], mapping: goldenMapping, deletions: .ignore)
        var events: [GoldenEvent] = []
        guard case .row(let columns) = row(ada) else { return }
        planner.consider(.row(SourceRow(location: SourceLocation(.row, 4, line: 6), columns: columns))) { events.append(GoldenEvent($0)) }
        #expect(events == [.refused(.strict, "ada", code: "field_too_long", at: SourceLocation(.row, 4, line: 6))])
    }

    @Test func aSnapshotOfAnUnplannedProviderIsIgnored() {
        let outcome = Self.run(PlannerScenario(deletions: .report, snapshot: [:], source: [row(ada)]))
        var planner = Planner(projectors: [FakeProjector.alpha], mapping: goldenMapping, deletions: .report)
        planner.remember(provider: "gamma", externalID: "ada", digest: FakeProjector.alpha.digest(of: ada))
        planner.remember(provider: "gamma", externalID: "bob", digest: FakeProjector.alpha.digest(of: bob))
        var events: [GoldenEvent] = []
        guard case .row(let columns) = row(ada) else { return }
        planner.consider(.row(SourceRow(location: line(1), columns: columns))) { events.append(GoldenEvent($0)) }
        let summary = planner.finish { events.append(GoldenEvent($0)) }
        #expect(events == outcome.events)
        #expect(events == [.create(.alpha, "ada")])
        #expect(summary.providers.keys.sorted() == [.alpha])
    }

    @Test func theSummaryListsEveryPlannedProvider() {
        let planner = Planner(projectors: [FakeProjector.beta, .alpha], mapping: goldenMapping, deletions: .ignore)
        #expect(planner.providers == [.beta, .alpha])
        #expect(planner.summary == planSummary(rows: 0, [.alpha: (0, 0, 0), .beta: (0, 0, 0)]))
    }

    @Test func summaryTotals() {
        let s = planSummary(rows: 9, unchanged: 1, rejected: ["a": 2, "b": 1], [.alpha: (1, 2, 5), .beta: (3, 0, 0)])
        #expect(s.rejected == 3)
        #expect(s.changes == 6, "removals are reported, not counted as changes")
        #expect(s.providers[.alpha]?.total == 3)
    }
}
