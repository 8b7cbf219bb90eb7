import Testing
import UserSyncCore
import UserSyncSources

/// What every source kind must do with the same three users (non-ASCII names, a comma, a
/// quote and a newline inside values, nested metadata), whatever its format: a new kind's
/// tests write `users` in that format and call these checks on the source reading them.
public enum SourceConformance {
    public static let users: [UserRecord] = [
        UserRecord(
            externalID: "u1", name: "Zoë Ångström", email: "zoe@example.com",
            metadata: ["plan": "pro", "tags": ["a", "b"], "seats": 42]),
        UserRecord(
            externalID: "u2", name: "李小龙 🐉", email: "bruce@example.cn",
            metadata: ["note": "comma, \"quote\"\nand a newline", "nested": ["ok": true, "none": nil]]),
        UserRecord(externalID: "u3", name: "O'Brien, Seán", email: "sean@example.ie", metadata: [:]),
    ]

    /// A user as the columns a source holds: `id`, `name`, `email`, and `metadata` (an object).
    public static func columns(_ user: UserRecord) -> JSONValue {
        ["id": .string(user.externalID), "name": .string(user.name ?? ""), "email": .string(user.email ?? ""),
         "metadata": .object(user.metadata)]
    }

    /// `source` holds `users`: three rows, numbered 1…3 in `unit`, the same text columns and
    /// the same records whatever the kind.
    public static func expectSameRows(_ source: any UserSource, unit: UserSyncCore.SourceLocation.Unit) throws {
        let items = try readAll(source)
        #expect(items.count == 3)
        #expect(items.map(\.location.unit) == Array(repeating: unit, count: 3))
        #expect(items.map(\.location.number) == [1, 2, 3])
        for (item, user) in zip(items, users) {
            let row = try #require(item.row, "\(source): \(item)")
            #expect(row.columns["id"] == .string(user.externalID))
            #expect(row.columns["name"] == .string(user.name!))
            #expect(row.columns["email"] == .string(user.email!))
        }
        let mapper = RecordMapper(mapping: FieldMapping())
        let records = try items.map { item in try mapper.record(from: #require(item.row)).get() }
        #expect(records == users)
    }

    /// Reading twice gives the same rows.
    public static func expectSameRowsTwice(_ source: any UserSource) throws {
        let first = try readAll(source).map { $0.row?.columns }
        let second = try readAll(source).map { $0.row?.columns }
        #expect(first.count == 3)
        #expect(first == second)
    }
}

/// Everything a source yields, in order.
public func readAll(_ source: any UserSource) throws -> [SourceItem] {
    var items: [SourceItem] = []
    try source.read { items.append($0) }
    return items
}

extension SourceItem {
    public var row: SourceRow? {
        if case .row(let row) = self { return row }
        return nil
    }

    public var location: UserSyncCore.SourceLocation {
        switch self {
        case .row(let row): return row.location
        case .unreadable(let location, _): return location
        }
    }
}
