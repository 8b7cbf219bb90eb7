import Foundation
import Synchronization
import UserSyncCore
import UserSyncSources

/// The local source as the engine must see it: the rows as read, with remote changes that
/// were accepted but are not (yet) in the source laid over them. An accepted change stops
/// applying once the source has caught up with it, or when a newer local edit replaced the
/// value it was made against (the local edit wins: it is the later one).
final class OverlaySource: UserSource {
    let base: any UserSource
    let mapping: FieldMapping
    private let overlay: [String: [(id: Int64, change: FieldChange)]]
    private let finished = Mutex<[Int64]>([])

    init(base: any UserSource, mapping: FieldMapping, accepted: [(id: Int64, change: FieldChange)]) {
        self.base = base
        self.mapping = mapping
        self.overlay = Dictionary(grouping: accepted, by: { $0.change.externalID })
        self.revision = "\(accepted.count):\(accepted.last?.id ?? 0)"
    }

    var description: String { base.description }

    /// Changes when the set of accepted changes changes (part of the "source unchanged" check).
    let revision: String
    var isEmpty: Bool { overlay.isEmpty }

    func fingerprint() throws(SourceError) -> SourceFingerprint { try base.fingerprint() }

    func requireSettled() throws(SourceError) { try base.requireSettled() }

    /// Accepted changes the source no longer needs laid over it (seen during the last read).
    var finishedChanges: [Int64] { finished.withLock { $0 } }

    func read(_ body: (SourceItem) throws -> Void) throws {
        try read(using: { [base] in try base.read($0) }, body)
    }

    /// `read`, with the base rows coming from `baseRead` (an incremental read of the base).
    func read(using baseRead: @escaping ((SourceItem) throws -> Void) throws -> Void, _ body: (SourceItem) throws -> Void) throws {
        guard !overlay.isEmpty else { return try baseRead(body) }
        try baseRead { item in
            guard case .row(let row) = item,
                let id = row.columns[mapping.externalID]?.scalarText?.trimmingCharacters(in: .whitespaces),
                let changes = overlay[id]
            else { return try body(item) }
            try body(.row(apply(changes, to: row)))
        }
    }

    private func apply(_ changes: [(id: Int64, change: FieldChange)], to row: SourceRow) -> SourceRow {
        var columns = row.columns
        var done: [Int64] = []
        for (id, change) in changes {
            guard let column = mapping.column(for: change.field) else { continue }
            let current = Self.value(of: change, in: columns, column: column)
            if Self.same(current, change.newValue) || !Self.same(current, change.oldValue) {
                done.append(id)
                continue
            }
            if let key = change.metadataKey {
                var object = Self.metadataObject(columns[column])
                object[key] = change.newValue
                columns[column] = .object(object)
            } else {
                columns[column] = change.newValue.flatMap { $0.scalarText }.map(JSONValue.string) ?? .null
            }
        }
        if !done.isEmpty { finished.withLock { $0 += done } }
        return SourceRow(location: row.location, columns: columns)
    }

    static func value(of change: FieldChange, in columns: [String: JSONValue], column: String) -> JSONValue? {
        if let key = change.metadataKey { return metadataObject(columns[column])[key] }
        guard let value = columns[column], !value.isNull, let text = value.scalarText, !text.isEmpty else { return nil }
        return .string(text)
    }

    /// The metadata column as an object (JSON sources give one; CSV and SQLite give JSON text).
    static func metadataObject(_ value: JSONValue?) -> [String: JSONValue] {
        switch value {
        case .object(let object)?: return object
        case .string(let text)?: return (try? JSONParser.parse(text))?.objectValue ?? [:]
        default: return [:]
        }
    }

    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return a.canonicalText == b.canonicalText
        default: return false
        }
    }
}
