/// Typed reads from a JSON object for the admin API and seed files, with operator-readable errors.
struct FieldReader {
    let object: [String: SandboxJSON]
    let context: String

    func allowOnly(_ keys: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
            throw SandboxError.invalid("\(context): unknown field \(unknown)")
        }
    }

    func string(_ key: String) throws -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw SandboxError.invalid("\(context): \(key) must be a string") }
        return text
    }

    func requiredString(_ key: String) throws -> String {
        guard let text = try string(key) else { throw SandboxError.invalid("\(context): \(key) is required") }
        return text
    }

    func int(_ key: String) throws -> Int? {
        guard let value = object[key], value != .null else { return nil }
        guard let number = value.intValue else { throw SandboxError.invalid("\(context): \(key) must be an integer") }
        return number
    }

    func double(_ key: String) throws -> Double? {
        guard let value = object[key], value != .null else { return nil }
        guard let number = value.doubleValue else { throw SandboxError.invalid("\(context): \(key) must be a number") }
        return number
    }

    func object(_ key: String) throws -> [String: SandboxJSON]? {
        guard let value = object[key], value != .null else { return nil }
        guard let members = value.objectValue else { throw SandboxError.invalid("\(context): \(key) must be an object") }
        return members
    }
}
