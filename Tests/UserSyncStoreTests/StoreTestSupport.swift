import Foundation
import UserSyncCore
@testable import UserSyncStore

/// Runs `body` with a fresh directory under the system temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

private func makeTemporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "/usersync-store-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Opens a fresh state database in a temporary directory.
func withStore<T>(_ body: (StateStore) throws -> T) throws -> T {
    try withTemporaryDirectory { directory in
        let store = try StateStore.open(path: directory + "/state.db")
        return try body(store)
    }
}

/// The permission bits of a file or directory.
func permissions(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int(info.st_mode & 0o777)
}

func fileExists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: path)
}

/// A planned change with a small perform.chat-like document.
func change(
    _ id: String, provider: ProviderID = .performchat, kind: PlannedChange.Kind = .create, name: String = "Ada",
    metadata: [String: JSONValue] = [:]
) -> PlannedChange {
    let record = UserRecord(externalID: id, name: name, email: "\(id)@example.com", metadata: metadata)
    let document: JSONValue = ["name": .string(name), "email": .string("\(id)@example.com"), "metadata": .object(metadata)]
    return PlannedChange(provider: provider, externalID: id, kind: kind, document: document, digest: document.digest, record: record)
}

extension StateStore {
    /// The single outbox item of a provider and user (tests only).
    func item(_ id: String, provider: ProviderID = .performchat) throws -> OutboxItem? {
        try outboxItems(provider: provider).first { $0.externalID == id }
    }

    /// The snapshot digests as the planner would remember them: the last one streamed wins.
    func snapshotDigests() throws -> [String: DocumentDigest] {
        var digests: [String: DocumentDigest] = [:]
        try forEachSnapshotDigest { provider, id, digest in digests["\(provider)/\(id)"] = digest }
        return digests
    }

    /// Every (provider, user, digest) streamed, in order.
    func snapshotStream() throws -> [String] {
        var rows: [String] = []
        try forEachSnapshotDigest { provider, id, digest in rows.append("\(provider)/\(id)=\(digest)") }
        return rows
    }
}

// The built-in providers' names, as the state and the binary know them (this target does
// not link the providers' module, where they are declared).
extension ProviderID {
    static let performchat: ProviderID = "performchat"
    static let commbox: ProviderID = "commbox"
}
