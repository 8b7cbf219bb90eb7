/// Turns a raw source row into a canonical, validated `UserRecord` through the field mapping.
/// Pure: the same row always gives the same record or the same rejection.
public struct RecordMapper: Sendable {
    public let mapping: FieldMapping
    /// The provider id columns in a fixed order (the first invalid one is the one reported),
    /// sorted once rather than per row.
    private let providerIDColumns: [(provider: ProviderID, column: String)]

    public init(mapping: FieldMapping) {
        self.mapping = mapping
        self.providerIDColumns = mapping.providerIDs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public func record(from row: SourceRow) -> Result<UserRecord, Rejection> {
        let columns = row.columns
        let externalID = columns[mapping.externalID].flatMap(Self.text)?.trimmingASCIIWhitespace() ?? ""
        func reject(_ reason: RejectionReason) -> Result<UserRecord, Rejection> {
            .failure(Rejection(location: row.location, externalID: externalID.isEmpty ? nil : externalID, reason: reason))
        }
        guard !externalID.isEmpty else { return reject(.missingExternalID) }

        // Field by field in this order, so the first invalid field is the one reported.
        // Written out rather than looped over key paths: this runs once per source row.
        let name, email, firstName, lastName, phone: String?
        var providerIDs: [ProviderID: String] = [:]
        do throws(RejectionReason) {
            name = try Self.textField("name", mapping.name, in: columns)
            email = try Self.textField("email", mapping.email, in: columns)
            firstName = try Self.textField("first_name", mapping.firstName, in: columns)
            lastName = try Self.textField("last_name", mapping.lastName, in: columns)
            phone = try Self.textField("phone", mapping.phone, in: columns)
            for (provider, column) in providerIDColumns {
                providerIDs[provider] = try Self.textField(provider.idField, column, in: columns)
            }
        } catch {
            return reject(error)
        }
        if let email, let problem = EmailAddress.problem(with: email) {
            return reject(.invalidEmail(problem))
        }
        var metadata: [String: JSONValue] = [:]
        if let column = mapping.metadata, let value = columns[column] {
            switch Self.metadata(from: value) {
            case .success(let object): metadata = object
            case .failure(let reason): return reject(reason)
            }
        }
        return .success(UserRecord(
            externalID: externalID, name: name, email: email, metadata: metadata, firstName: firstName,
            lastName: lastName, phone: phone, providerIDs: providerIDs))
    }

    /// A mapped text field: nil when unmapped, absent, null or empty; scalars as their text.
    private static func textField(
        _ field: String, _ column: String?, in columns: [String: JSONValue]
    ) throws(RejectionReason) -> String? {
        guard let column, let value = columns[column] else { return nil }
        switch value {
        case .null: return nil
        case .string(let text): return text.isEmpty ? nil : text
        case .number(let text): return text.isEmpty ? nil : text
        case .bool(let flag): return flag ? "true" : "false"
        case .array, .object:
            throw .invalidField(field: field, reason: "expected text, got a JSON \(kind(value))")
        }
    }

    static func withoutEmptyValues(_ object: [String: JSONValue]) -> [String: JSONValue] {
        object.contains { $0.value.isEmptyValue } ? object.filter { !$0.value.isEmptyValue } : object
    }

    static func text(_ value: JSONValue) -> String? {
        value.scalarText
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// JSON sources give an object; CSV and SQLite give JSON text, and an empty cell means `{}`.
    /// A key whose value is null or `""` holds no value: it is left out, exactly like a key
    /// that is not there, so that every provider clears it alike.
    static func metadata(from value: JSONValue) -> Result<[String: JSONValue], RejectionReason> {
        switch value {
        case .null: return .success([:])
        case .object(let object): return .success(withoutEmptyValues(object))
        case .string(let text):
            if text.allSatisfy(\.isWhitespace) { return .success([:]) }
            do {
                let parsed = try JSONParser.parse(text)
                if case .object(let object) = parsed { return .success(withoutEmptyValues(object)) }
                return .failure(.metadataNotObject("a JSON \(kind(parsed))"))
            } catch {
                return .failure(.metadataNotObject("text that is not JSON (\(error))"))
            }
        default: return .failure(.metadataNotObject("a JSON \(kind(value))"))
        }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D })!
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }
}
