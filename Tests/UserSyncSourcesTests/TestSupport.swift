import Foundation
import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

/// Swift Testing has a `SourceLocation` too; in these tests the word means the row's place.
typealias SourceLocation = UserSyncCore.SourceLocation

/// A fresh directory under the system's temporary directory, removed when released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("usersync-sources-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes raw bytes and returns the file's path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }
}

extension SourceItem {
    var reason: RejectionReason? {
        if case .unreadable(_, let reason) = self { return reason }
        return nil
    }

    /// The `.unparseable` text, when that is the reason.
    var unparseableText: String? {
        if case .unparseable(let text)? = reason { return text }
        return nil
    }
}

/// Runs `body` and returns the `SourceError` it throws (recording an issue if it throws none).
func sourceError(_ body: () throws -> Void) -> SourceError? {
    do {
        try body()
        Issue.record("expected a SourceError, nothing was thrown")
    } catch let error as SourceError {
        return error
    } catch {
        Issue.record("expected a SourceError, got \(error)")
    }
    return nil
}

/// The bytes of a file, to check that reading left it alone.
func contents(of path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}
