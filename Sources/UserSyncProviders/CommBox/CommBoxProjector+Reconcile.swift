import UserSyncCore

/// CommBox's fields lead back to ours through renames: FirstName/LastName to the name (or to
/// first/last name columns), Email, Phone1, and custom fields to the metadata keys mapped
/// onto them. Custom fields hold text, so a number or object comes back parsed when the
/// local value was one.
extension CommBoxProjector: RemoteFieldMapping {
    public func owns(_ path: String, mapping: FieldMapping) -> Bool {
        switch path {
        case "UniqueId": return true
        case "FirstName", "LastName": return mapping.name != nil || mapping.firstName != nil || mapping.lastName != nil
        case Self.foldedNamePath: return mapping.name != nil
        case "Email": return mapping.email != nil
        case "Phone1": return mapping.phone != nil
        default:
            guard path.hasPrefix("Content."), mapping.metadata != nil else { return false }
            return contentMapping.values.contains(String(path.dropFirst("Content.".count)))
        }
    }

    public func ownedPaths(mapping: FieldMapping) -> [String] {
        let standard = ["UniqueId", "FirstName", "LastName", "Email", "Phone1"]
        let content = Set(contentMapping.values).sorted().map { "Content.\($0)" }
        return (standard + content).filter { owns($0, mapping: mapping) }
    }

    public func canonicalEdits(_ accepted: [Reconciler.AcceptedEdit], remote: JSONValue, record: UserRecord) -> [CanonicalEdit] {
        var edits: [CanonicalEdit] = []
        var nameTouched = false
        for edit in accepted {
            switch edit.path {
            case "UniqueId": continue  // the join key is never taken from a provider
            case Self.foldedNamePath: edits.append(CanonicalEdit(field: "name", old: record.value(of: "name"), new: edit.remote))
            case "FirstName", "LastName":
                if record.firstName != nil || record.lastName != nil {
                    let field = edit.path == "FirstName" ? "first_name" : "last_name"
                    edits.append(CanonicalEdit(field: field, old: record.value(of: field), new: edit.remote))
                } else {
                    nameTouched = true
                }
            case "Email": edits.append(CanonicalEdit(field: "email", old: record.value(of: "email"), new: edit.remote))
            case "Phone1": edits.append(CanonicalEdit(field: "phone", old: record.value(of: "phone"), new: edit.remote))
            default:
                let customField = String(edit.path.dropFirst("Content.".count))
                for (key, mapped) in contentMapping where mapped == customField {
                    let field = "metadata.\(key)"
                    let old = record.value(of: field)
                    edits.append(CanonicalEdit(field: field, old: old, new: edit.remote.map { Self.restore($0, like: old) }))
                }
            }
        }
        if nameTouched {
            let first = remote["FirstName"]?.stringValue
            let last = remote["LastName"]?.stringValue
            let joined = [first, last].compactMap { $0 }.joined(separator: " ")
            edits.append(CanonicalEdit(field: "name", old: record.value(of: "name"), new: joined.isEmpty ? nil : .string(joined)))
        }
        return edits.sorted { $0.field < $1.field }
    }

    /// The path of the whole name in a document folded by `foldingName`.
    public static let foldedNamePath = "Name"

    /// For reconciling a user whose local side holds one `name` (no first/last name values):
    /// `FirstName` and `LastName` folded into one `Name` path, so that the name is one field
    /// on both sides. Compared half by half, a local edit of one half and a remote edit of the
    /// other looked like a remote-only change, and taking it dropped the local edit.
    public func foldingName(_ document: JSONValue, record: UserRecord) -> JSONValue {
        guard record.firstName == nil, record.lastName == nil, var object = document.objectValue else { return document }
        let first = object.removeValue(forKey: "FirstName")?.stringValue
        let last = object.removeValue(forKey: "LastName")?.stringValue
        let joined = [first, last].compactMap { $0 }.joined(separator: " ")
        if !joined.isEmpty { object[Self.foldedNamePath] = .string(joined) }
        return .object(object)
    }

    /// Custom fields are text: give a value back its local type when the text allows it.
    static func restore(_ value: JSONValue, like old: JSONValue?) -> JSONValue {
        guard case .string(let text) = value, let old else { return value }
        switch old {
        case .string, .null: return value
        default:
            guard let parsed = try? JSONParser.parse(text) else { return value }
            switch (old, parsed) {
            case (.number, .number), (.bool, .bool), (.array, .array), (.object, .object): return parsed
            default: return value
            }
        }
    }
}

/// CommBox returns one user per request: the pull reads the mapped users in rotation,
/// within `pull_budget` requests per pull.
extension CommBoxAdapter: PullingAdapter {
    public func pull(mapped: [MappedUser], budget: Int) async -> PullResult {
        await pullEach(mapped: mapped, budget: budget)
    }
}

/// CommBox splits one local name into FirstName/LastName: compared whole, as the one field
/// it is on the local side.
extension CommBoxProjector: ReconcileShaping {
    public func shapedForReconcile(_ document: JSONValue, record: UserRecord) -> JSONValue {
        foldingName(document, record: record)
    }
}
