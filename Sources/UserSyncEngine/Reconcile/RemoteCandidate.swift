import UserSyncCore

/// A user whose document at a provider differs from what we last saw there: an edit made on
/// the provider's side (our own pushes are recorded first, so they never show up here).
struct RemoteCandidate: Sendable {
    let provider: ProviderID
    let externalID: String
    let providerUserID: String
    /// The provider's document, cut down to the paths the local side holds.
    let document: JSONValue
    let updatedAt: Double?
}

extension RemoteFieldMapping {
    /// Keeps only the paths the local side holds, in the projector's document shape.
    func ownedPart(of document: JSONValue, mapping: FieldMapping) -> JSONValue {
        var kept: [String: JSONValue] = [:]
        for (key, value) in document.objectValue ?? [:] {
            if case .object(let inner) = value {
                let innerKept = inner.filter { owns("\(key).\($0.key)", mapping: mapping) }
                if !innerKept.isEmpty || owns(key, mapping: mapping) || key == "metadata" { kept[key] = .object(innerKept) }
            } else if owns(key, mapping: mapping) {
                kept[key] = value
            }
        }
        return .object(kept)
    }
}
