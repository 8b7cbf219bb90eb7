import UserSyncCore

/// What CommBox stores of a user, in its own capitalised field names. Length limits are
/// checked here so that an over-long value becomes a rejected row, never a request.
///
/// Clears: CommBox keeps every field an update does not name (`Content` merges key by key),
/// so a value it holds that the record no longer has is sent as `""`. A metadata key that is
/// absent, null or `""` is one and the same thing: no value.
public struct CommBoxProjector: ProviderProjector {
    public let provider = ProviderID.commbox

    /// The documented field limits (CommBox "Update User").
    public static let limits: [String: Int] = [
        "UniqueId": 50, "FirstName": 100, "LastName": 100, "Email": 255, "Phone1": 100, "Phone2": 100,
    ]

    /// metadata key → CommBox custom field "Unique Name" (`providers.commbox.content`).
    public let contentMapping: [String: String]
    /// `contentMapping` in canonical order of the custom field names, for `digest`.
    private let contentInFieldOrder: [(key: String, field: String)]
    /// Two metadata keys feeding one custom field: which one wins depends on dictionary order,
    /// so `digest` leaves such a mapping to `project` rather than guess.
    private let contentFieldsAreUnique: Bool

    public init(contentMapping: [String: String] = [:]) {
        self.contentMapping = contentMapping
        contentInFieldOrder = contentMapping.map { (key: $0.key, field: $0.value) }.sorted {
            $0.field.utf8.lexicographicallyPrecedes($1.field.utf8)
        }
        contentFieldsAreUnique = Set(contentMapping.values).count == contentMapping.count
    }

    public func project(_ record: UserRecord) -> Result<JSONValue, RejectionReason> {
        if let problem = Self.commBoxIDProblem(record) { return .failure(problem) }
        var data: [String: JSONValue] = ["UniqueId": .string(record.externalID)]
        let (first, last) = Self.split(record)
        if let first { data["FirstName"] = .string(first) }
        if let last { data["LastName"] = .string(last) }
        if let email = record.email { data["Email"] = .string(email) }
        if let phone = record.phone { data["Phone1"] = .string(phone) }
        // A fixed order, so that the same record always names the same field.
        for field in ["UniqueId", "FirstName", "LastName", "Email", "Phone1"] {
            guard let limit = Self.limits[field], case .string(let text)? = data[field] else { continue }
            // CommBox is a .NET service: its lengths are UTF-16 code units.
            let length = text.utf16.count
            if length > limit {
                return .failure(.fieldTooLong(field: field, length: length, limit: limit, provider: "CommBox"))
            }
        }
        var content: [String: JSONValue] = [:]
        for (key, customField) in contentMapping {
            guard let value = record.metadata[key], !value.isEmptyValue else { continue }
            content[customField] = .string(Self.customFieldText(value))
        }
        if !content.isEmpty { data["Content"] = .object(content) }
        return .success(.object(data))
    }

    /// A mapped `commbox_id` is CommBox's own user number: anything else would only come back
    /// as a 404 (and a dead letter), so it is a refused row, with the reason.
    static func commBoxIDProblem(_ record: UserRecord) -> RejectionReason? {
        guard let id = record.providerIDs[.commbox] else { return nil }
        if let number = Int64(id), number > 0 { return nil }
        return .invalidField(field: "commbox_id", reason: "must be CommBox's user number (a positive integer), got \"\(id.prefix(40))\"")
    }

    /// Separate first/last name columns win; else the name splits on its first space.
    static func split(_ record: UserRecord) -> (String?, String?) {
        if record.firstName != nil || record.lastName != nil { return (record.firstName, record.lastName) }
        guard let name = record.name?.trimmingCharacters(in: " ") else { return (nil, nil) }
        guard let space = name.firstIndex(of: " ") else { return (name.isEmpty ? nil : name, nil) }
        let rest = name[name.index(after: space)...].trimmingCharacters(in: " ")
        return (String(name[..<space]), rest.isEmpty ? nil : rest)
    }

    /// Custom fields hold text: scalars by their text, nested values as JSON text.
    static func customFieldText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .null: return ""
        case .number, .bool: return value.scalarText!
        case .array, .object: return value.canonicalText
        }
    }
}

// MARK: Clears

extension CommBoxProjector {
    public func request(for desired: JSONValue, confirmed: JSONValue?, owns: (String) -> Bool) -> JSONValue {
        let cleared = ClearedPaths.between(desired: desired, confirmed: confirmed, nested: ["Content"]) { path in
            // The join key is never cleared; a custom field only while it is still mapped.
            path != "UniqueId" && owns(path)
                && (!path.hasPrefix("Content.") || contentMapping.values.contains(String(path.dropFirst("Content.".count))))
        }
        guard !cleared.isEmpty, var data = desired.objectValue else { return desired }
        var content = data["Content"]?.objectValue ?? [:]
        for path in cleared {
            if path.hasPrefix("Content.") {
                content[String(path.dropFirst("Content.".count))] = .string("")
            } else {
                data[path] = .string("")
            }
        }
        if !content.isEmpty { data["Content"] = .object(content) }
        return .object(data)
    }
}

// MARK: Digest without the document

extension CommBoxProjector {
    /// The digest of `project(record)` without building it: the planner calls this for every
    /// user, and `project` only for those that changed. A record over a limit (or an
    /// ambiguous content mapping) goes through `project`, so the rejection is its rejection.
    public func digest(_ record: UserRecord) -> Result<DocumentDigest, RejectionReason> {
        guard contentFieldsAreUnique, record.providerIDs[.commbox] == nil || Self.commBoxIDProblem(record) == nil else {
            return project(record).map(\.digest)
        }
        var digest: DocumentDigest?
        if record.firstName == nil && record.lastName == nil, var name = record.name {
            // An ASCII name splits on its bytes (a space there is always a whole character);
            // any other name splits as `split` does, by characters.
            let ascii = name.withUTF8 { bytes -> Bool in
                guard !bytes.contains(where: { $0 >= 0x80 }) else { return false }
                let (first, last) = Self.splitASCII(bytes)
                digest = self.digest(record, first: first, last: last)
                return true
            }
            if !ascii {
                let (first, last) = Self.split(record)
                digest = Self.withUTF8(first) { f in Self.withUTF8(last) { l in self.digest(record, first: f, last: l) } }
            }
        } else {
            digest = Self.withUTF8(record.firstName) { f in Self.withUTF8(record.lastName) { l in self.digest(record, first: f, last: l) } }
        }
        guard let digest else { return project(record).map(\.digest) }
        return .success(digest)
    }

    /// The canonical text of the document, hashed as it is written; nil when a value is over
    /// its limit. Keys in canonical (UTF-8 byte) order: Content < Email < FirstName <
    /// LastName < Phone1 < UniqueId.
    private func digest(_ record: UserRecord, first: UnsafeBufferPointer<UInt8>?, last: UnsafeBufferPointer<UInt8>?) -> DocumentDigest? {
        guard Self.fits(record.externalID, 50), Self.fits(first, 100), Self.fits(last, 100),
              Self.fits(record.email, 255), Self.fits(record.phone, 100)
        else { return nil }
        var hasher = CanonicalHasher()
        var empty = true
        func key(_ text: StaticString) {
            hasher.raw(empty ? "{" : ",")
            empty = false
            hasher.raw(text)
        }
        var contentOpen = false
        for (metadataKey, field) in contentInFieldOrder {
            guard let value = record.metadata[metadataKey], !value.isEmptyValue else { continue }
            if contentOpen {
                hasher.raw(",")
            } else {
                key(#""Content":{"#)
                contentOpen = true
            }
            hasher.string(field)
            hasher.raw(":")
            hasher.string(Self.customFieldText(value))
        }
        if contentOpen { hasher.raw("}") }
        if let email = record.email {
            key(#""Email":"#)
            hasher.string(email)
        }
        if let first {
            key(#""FirstName":"#)
            hasher.string(utf8: first)
        }
        if let last {
            key(#""LastName":"#)
            hasher.string(utf8: last)
        }
        if let phone = record.phone {
            key(#""Phone1":"#)
            hasher.string(phone)
        }
        key(#""UniqueId":"#)
        hasher.string(record.externalID)
        hasher.raw("}")
        return hasher.digest
    }

    /// `split` for an ASCII name, on its bytes: trimmed of spaces, cut at the first space.
    private static func splitASCII(_ name: UnsafeBufferPointer<UInt8>) -> (UnsafeBufferPointer<UInt8>?, UnsafeBufferPointer<UInt8>?) {
        let space = UInt8(ascii: " ")
        var start = 0
        var end = name.count
        while start < end && name[start] == space { start += 1 }
        while end > start && name[end - 1] == space { end -= 1 }
        guard start < end else { return (nil, nil) }
        guard let cut = name[start..<end].firstIndex(of: space) else {
            return (UnsafeBufferPointer(rebasing: name[start..<end]), nil)
        }
        var rest = cut + 1
        while rest < end && name[rest] == space { rest += 1 }
        return (UnsafeBufferPointer(rebasing: name[start..<cut]), rest < end ? UnsafeBufferPointer(rebasing: name[rest..<end]) : nil)
    }

    /// The limit counts UTF-16 code units, which are never more than the UTF-8 bytes.
    private static func fits(_ text: String?, _ limit: Int) -> Bool {
        guard let text, text.utf8.count > limit else { return true }
        return text.utf16.count <= limit
    }

    private static func fits(_ bytes: UnsafeBufferPointer<UInt8>?, _ limit: Int) -> Bool {
        guard let bytes, bytes.count > limit else { return true }
        // UTF-16 units of valid UTF-8: one per lead byte, two for a 4-byte sequence.
        return bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : ($1 >= 0xF0 ? 2 : 1)) } <= limit
    }

    private static func withUTF8<R>(_ text: String?, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard var text else { return body(nil) }
        return text.withUTF8 { body($0) }
    }
}

extension StringProtocol {
    func trimmingCharacters(in character: Character) -> String {
        var slice = self[...]
        while slice.first == character { slice = slice.dropFirst() }
        while slice.last == character { slice = slice.dropLast() }
        return String(slice)
    }
}
