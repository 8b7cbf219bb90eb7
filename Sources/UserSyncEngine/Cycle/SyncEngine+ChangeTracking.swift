import Foundation
import UserSyncCore
import UserSyncSources
import UserSyncStore

/// Planning a source that tracks changes (a PostgreSQL table with `change_column`): most
/// cycles read only the rows changed since the watermark stored in the state database; a
/// full read runs every `full_scan_interval`, and whenever the watermark does not apply
/// (first run, another table or column, another mapping, accepted remote changes to lay
/// over rows that were not read).
extension SyncEngine {
    static let watermarkMetaKey = "source_watermark"

    /// What the last plan of a change-tracking source reached, as stored in `meta`.
    struct StoredWatermark: Codable, Equatable {
        /// `ChangeTracking.key` + the projection key: the watermark applies only to them.
        var key: String
        /// The change column's maximum in the snapshot last read (nil: no row had one).
        var watermark: String?
        /// When the last full read ran (seconds since 1970).
        var fullScanAt: Double
        /// `OverlaySource.revision` at the last plan.
        var accepted: String

        init(key: String, watermark: String?, fullScanAt: Double, accepted: String) {
            self.key = key
            self.watermark = watermark
            self.fullScanAt = fullScanAt
            self.accepted = accepted
        }

        init?(storage: String) {
            guard let value = try? JSONDecoder().decode(Self.self, from: Data(storage.utf8)) else { return nil }
            self = value
        }

        var storage: String {
            String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
        }
    }

    func planChanges(_ tracked: any ChangeTrackingSource, _ tracking: ChangeTracking, force: Bool, guarded: Bool) throws -> PlanReport {
        let overlay = try overlaySource()
        let key = tracking.key + projectionKey
        let stored = try store.meta(Self.watermarkMetaKey).flatMap(StoredWatermark.init(storage:))
        let now = Date().timeIntervalSince1970
        var since: String?
        if !force, let stored, stored.key == key, let watermark = stored.watermark, stored.accepted == overlay.revision,
            now - stored.fullScanAt < tracking.fullScanInterval, now >= stored.fullScanAt
        {
            since = watermark
        }
        let incremental = since != nil
        let runner = PlanRunner(
            source: overlay, projectors: projectors, mapping: options.fieldMapping, deletions: options.deletionPolicy, logger: logger)
        let store = self.store
        var watermark: String?
        var report = try commitPlan(guarded: guarded, overlay: overlay, incremental: incremental) { sink in
            try runner.run(
                snapshot: store, incremental: incremental,
                read: { body in
                    try overlay.read(using: { base in watermark = try tracked.read(since: since, base) }, body)
                },
                sink: sink)
        }
        // Only a plan that reached the outbox may move the watermark.
        let next = StoredWatermark(
            key: key, watermark: watermark ?? (incremental ? since : nil), fullScanAt: incremental ? stored!.fullScanAt : now,
            accepted: try overlaySource().revision)
        try store.setMeta(Self.watermarkMetaKey, next.storage)
        report.incremental = incremental
        return report
    }
}
