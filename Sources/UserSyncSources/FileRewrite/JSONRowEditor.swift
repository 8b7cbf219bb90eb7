import UserSyncCore

/// Applies a user's edits to the text of its row object (a JSONL line, a JSON array
/// element), for `write_back: rewrite`.
///
/// A plain field gets the new value (`null` when it was removed). A metadata key is set in,
/// or removed from, the metadata member: an object edited in place, or JSON text in a
/// string (edited as text and re-encoded); a missing or `null` metadata member becomes an
/// object holding the key. Metadata of any other type is left alone and the change skipped.
enum JSONRowEditor {
    /// The edited text of one row object, or nil when it is not the object of a user with
    /// edits, or stays as it is.
    static func edit(_ content: UnsafeBufferPointer<UInt8>, plan: inout WriteBackPlan, idColumn: String) -> [UInt8]? {
        guard !content.isEmpty,
              case .object(let columns)? = try? JSONParser.parse(content),
              let id = RowID.of(columns[idColumn]),
              let edits = plan.edits(for: id),
              var editor = JSONObjectEditor(Array(content))
        else { return nil }
        apply(edits, to: &editor, plan: &plan)
        return editor.bytes.elementsEqual(content) ? nil : editor.bytes
    }

    /// Edits the object text, recording each edit's outcome in `plan`.
    private static func apply(_ edits: [WriteBackPlan.Edit], to object: inout JSONObjectEditor, plan: inout WriteBackPlan) {
        for edit in edits {
            let newValue = edit.change.newValue
            switch edit.target {
            case .column(let column):
                object.set(column, to: canonical(newValue ?? .null))
                plan.record(edit, .applied)
            case .metadata(let column):
                let holdsText = object.value(of: column)?.first == UInt8(ascii: "\"")
                if holdsText, let value = newValue, !value.isNull {
                    object.set(column, to: canonical(.string(value.canonicalText)))
                } else {
                    object.set(column, to: canonical(newValue ?? .null))
                }
                plan.record(edit, .applied)
            case .metadataKey(let column, let key):
                if let edited = editedMetadata(object.value(of: column), key: key, value: newValue) {
                    if let edited { object.set(column, to: edited) }
                    plan.record(edit, .applied)
                } else {
                    plan.record(edit, .skipped(.metadataNotObject))
                }
            }
        }
    }

    /// The new bytes of the metadata member (`.some(nil)`: leave it as it is), or nil when
    /// the member is not something a key can be set in.
    private static func editedMetadata(_ current: ArraySlice<UInt8>?, key: String, value: JSONValue?) -> [UInt8]?? {
        guard let current, current.first != UInt8(ascii: "n") else {
            // Absent or null: removing a key is already done; setting one creates the object.
            guard let value else { return .some(nil) }
            return .some(canonical(.object([key: value])))
        }
        switch current.first {
        case UInt8(ascii: "{"):
            guard var metadata = JSONObjectEditor(Array(current)) else { return nil }
            if let value { metadata.set(key, to: canonical(value)) } else { metadata.remove(key) }
            return .some(metadata.bytes)
        case UInt8(ascii: "\""):
            guard let text = (try? JSONParser.parse(current))?.stringValue,
                  let edited = JSONObjectEditor.editing(objectText: text, key: key, value: value)
            else { return nil }
            return .some(canonical(.string(edited)))
        default:
            return nil
        }
    }

    static func canonical(_ value: JSONValue) -> [UInt8] {
        var bytes: [UInt8] = []
        value.appendCanonical(to: &bytes)
        return bytes
    }
}
