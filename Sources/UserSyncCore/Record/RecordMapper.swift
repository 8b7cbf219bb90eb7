/// Turns a raw source row into a canonical, validated `UserRecord` through the field mapping.
/// Pure: the same row always gives the same record or the same rejection.
public struct RecordMapper: Sendable {
    public let mapping: FieldMapping

    public init(mapping: FieldMapping) {
        self.mapping = mapping
    }

    public func record(from row: SourceRow) -> Result<UserRecord, Rejection> {
        let columns = row.columns
        let externalID = columns[mapping.externalID].flatMap(Self.text)?.trimmingASCIIWhitespace() ?? ""
        func reject(_ reason: RejectionReason) -> Result<UserRecord, Rejection> {
            .failure(Rejection(location: row.location, externalID: externalID.isEmpty ? nil : externalID, reason: reason))
        }
        guard !externalID.isEmpty else { return reject(.missingExternalID) }

        var record = UserRecord(externalID: externalID)
        let textFields: [(String, String?, WritableKeyPath<UserRecord, String?>)] = [
            ("name", mapping.name, \.name), ("email", mapping.email, \.email),
            ("first_name", mapping.firstName, \.firstName), ("last_name", mapping.lastName, \.lastName),
            ("phone", mapping.phone, \.phone), ("performchat_id", mapping.performchatID, \.performchatID),
            ("commbox_id", mapping.commboxID, \.commboxID),
        ]
        for (field, column, keyPath) in textFields {
            guard let column, let value = columns[column] else { continue }
            switch value {
            case .null: continue
            case .string, .number, .bool:
                let text = Self.text(value)!
                record[keyPath: keyPath] = text.isEmpty ? nil : text
            case .array, .object:
                return reject(.invalidField(field: field, reason: "expected text, got a JSON \(Self.kind(value))"))
            }
        }
        if let email = record.email, let problem = EmailAddress.problem(with: email) {
            return reject(.invalidEmail(problem))
        }
        if let column = mapping.metadata, let value = columns[column] {
            switch Self.metadata(from: value) {
            case .success(let object): record.metadata = object
            case .failure(let reason): return reject(reason)
            }
        }
        return .success(record)
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
    static func metadata(from value: JSONValue) -> Result<[String: JSONValue], RejectionReason> {
        switch value {
        case .null: return .success([:])
        case .object(let object): return .success(object)
        case .string(let text):
            if text.allSatisfy(\.isWhitespace) { return .success([:]) }
            do {
                let parsed = try JSONParser.parse(text)
                if case .object(let object) = parsed { return .success(object) }
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
