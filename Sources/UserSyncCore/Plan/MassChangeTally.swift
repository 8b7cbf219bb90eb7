/// What one cycle would change at one provider, for the mass-change guard: how many users
/// change, how many lose a non-empty field, and per field how many. Pure: documents in,
/// counts out.
public struct MassChangeTally: Sendable, Equatable {
    /// Users created or updated.
    public var changedUsers = 0
    /// Users losing at least one non-empty field (a value that becomes null, "" or absent).
    public var clearedUsers = 0
    public var changedByField: [String: Int] = [:]
    public var clearedByField: [String: Int] = [:]

    public init() {}

    /// Counts one user's change from `old` (what the provider was last confirmed to hold; nil
    /// for a user it does not hold yet) to `new`.
    public mutating func count(from old: JSONValue?, to new: JSONValue?) {
        changedUsers += 1
        var cleared = false
        for field in DocumentDiff.changedFields(from: old, to: new) {
            changedByField[field, default: 0] += 1
            if Self.hasValue(field, in: old) && !Self.hasValue(field, in: new) {
                clearedByField[field, default: 0] += 1
                cleared = true
            }
        }
        if cleared { clearedUsers += 1 }
    }

    /// Counts a user created at the provider without looking at fields (nothing to clear).
    public mutating func countCreated() {
        changedUsers += 1
    }

    public mutating func add(_ other: MassChangeTally) {
        changedUsers += other.changedUsers
        clearedUsers += other.clearedUsers
        changedByField.merge(other.changedByField, uniquingKeysWith: +)
        clearedByField.merge(other.clearedByField, uniquingKeysWith: +)
    }

    /// Whether the limits hold the change, and why: the cleared limit first (the sharper
    /// signal), then the changed one. Nil when the change may go.
    public func verdict(syncedUsers: Int, limits: MassChangeLimits) -> MassChangeVerdict? {
        guard syncedUsers > 0, syncedUsers >= limits.minUsers else { return nil }
        let synced = Double(syncedUsers)
        if Double(clearedUsers) > limits.maxCleared * synced {
            return MassChangeVerdict(
                limit: .maxCleared, limitShare: limits.maxCleared, users: clearedUsers, syncedUsers: syncedUsers,
                fields: Self.top(clearedByField), verb: "cleared")
        }
        if Double(changedUsers) > limits.maxChanged * synced {
            return MassChangeVerdict(
                limit: .maxChanged, limitShare: limits.maxChanged, users: changedUsers, syncedUsers: syncedUsers,
                fields: Self.top(changedByField), verb: "changed")
        }
        return nil
    }

    private static func top(_ counts: [String: Int]) -> [MassChangeVerdict.FieldCount] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3)
            .map { MassChangeVerdict.FieldCount(field: $0.key, users: $0.value) }
    }

    /// A field (`email`, `metadata.plan`) holds a value: present, not null, not "".
    static func hasValue(_ field: String, in document: JSONValue?) -> Bool {
        var value = document
        for part in field.split(separator: ".", maxSplits: 1) {
            value = value?.objectValue?[String(part)]
        }
        guard let value else { return false }
        if case .object(let inner) = value { return !inner.isEmpty }
        return !value.isEmptyValue
    }
}

/// The guard's limits, as `sync.guard` sets them.
public struct MassChangeLimits: Sendable, Equatable {
    public var maxChanged: Double
    public var maxCleared: Double
    public var minUsers: Int

    public init(maxChanged: Double = 0.10, maxCleared: Double = 0.02, minUsers: Int = 50) {
        self.maxChanged = maxChanged
        self.maxCleared = maxCleared
        self.minUsers = minUsers
    }

    /// No limit at all (an approved plan).
    public static let none = MassChangeLimits(maxChanged: 1, maxCleared: 1, minUsers: .max)

    /// A share as the config writes it: `10%`, `2.5%`, `0.25%`.
    public static func percent(_ share: Double) -> String {
        let value = (share * 10_000).rounded() / 100
        if value == value.rounded() { return "\(Int(value))%" }
        var text = "\(value)"
        while text.hasSuffix("0") { text.removeLast() }
        return text + "%"
    }
}

/// Why a change was held: the limit it broke, by how much, and the fields most affected.
public struct MassChangeVerdict: Sendable, Equatable {
    public enum Limit: String, Sendable {
        case maxChanged = "max_changed"
        case maxCleared = "max_cleared"
    }

    public struct FieldCount: Sendable, Equatable {
        public let field: String
        public let users: Int

        public init(field: String, users: Int) {
            self.field = field
            self.users = users
        }
    }

    public let limit: Limit
    public let limitShare: Double
    /// Users changed (or losing a field) this cycle, and the provider's synced users.
    public let users: Int
    public let syncedUsers: Int
    public let fields: [FieldCount]
    /// "cleared" or "changed".
    public let verb: String

    public init(limit: Limit, limitShare: Double, users: Int, syncedUsers: Int, fields: [FieldCount], verb: String) {
        self.limit = limit
        self.limitShare = limitShare
        self.users = users
        self.syncedUsers = syncedUsers
        self.fields = fields
        self.verb = verb
    }

    public var share: Double { syncedUsers == 0 ? 0 : Double(users) / Double(syncedUsers) }

    /// `email: 9,812 cleared, name: 12 cleared`.
    public var fieldsText: String {
        fields.map { "\($0.field): \(Self.grouped($0.users)) \(verb)" }.joined(separator: ", ")
    }

    /// A share as a percentage with at most one decimal: `80%`, `2.5%`.
    public static func percent(_ share: Double) -> String {
        let tenths = (share * 1000).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10))%" : "\(tenths / 10)%"
    }

    /// 9812 → `9,812`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
