import Foundation
import Testing
import UserSyncCore

/// A golden scenario kept as a folder of plain files (as rclone's bisync tests keep theirs):
/// inputs beside an `expected.txt` transcript. A new case is a new folder, not new Swift.
///
/// `USERSYNC_GOLDEN_UPDATE=1 swift test --filter Golden` writes each transcript from what
/// the code does now; review the diff before committing it.
struct GoldenFolder: Sendable, CustomStringConvertible {
    /// `Golden/<kind>/<case>`.
    let url: URL

    var name: String { url.lastPathComponent }
    var description: String { name }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// Every case folder of a kind, in name order (an unreadable root is an empty list, which
    /// the suites refuse, so a moved folder cannot silently pass).
    static func all(_ kind: String) -> [GoldenFolder] {
        let base = root.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        return names.sorted().map { GoldenFolder(url: base.appendingPathComponent($0)) }.filter(\.isFolder)
    }

    var isFolder: Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &folder) && folder.boolValue
    }

    func has(_ file: String) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(file).path)
    }

    func text(_ file: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(file), encoding: .utf8)
    }

    func json(_ file: String) throws -> JSONValue {
        try JSONParser.parse(try text(file))
    }

    /// The JSON values of a `.jsonl` file, one per non-empty line, with their line numbers.
    func jsonLines(_ file: String) throws -> [JSONValue] {
        guard has(file) else { return [] }
        return try text(file).split(separator: "\n", omittingEmptySubsequences: true)
            .map { try JSONParser.parse(String($0)) }
    }

    /// The expected transcript, or nil when the folder has none yet.
    func expected() -> String? {
        try? text("expected.txt")
    }

    /// Compares a transcript with `expected.txt`; in update mode writes it instead.
    /// - Returns: a description of the difference, or nil when they agree.
    func compare(_ actual: String) -> String? {
        if ProcessInfo.processInfo.environment["USERSYNC_GOLDEN_UPDATE"] == "1" {
            try? actual.write(to: url.appendingPathComponent("expected.txt"), atomically: true, encoding: .utf8)
            return nil
        }
        guard let expected = expected() else {
            return "\(name): no expected.txt; run with USERSYNC_GOLDEN_UPDATE=1 to write one, then review it"
        }
        guard expected != actual else { return nil }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var lines = ["\(name): the transcript differs from expected.txt (- expected, + actual):"]
        for index in 0..<max(e.count, a.count) {
            let left = index < e.count ? String(e[index]) : nil
            let right = index < a.count ? String(a[index]) : nil
            guard left != right else { continue }
            if let left { lines.append("- \(left)") }
            if let right { lines.append("+ \(right)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension JSONValue {
    /// A member that must be there, for reading fixtures.
    func required(_ key: String, in folder: GoldenFolder) throws -> JSONValue {
        guard let value = self[key] else { throw GoldenFixtureError.missing(key: key, case: folder.name) }
        return value
    }
}

enum GoldenFixtureError: Error, CustomStringConvertible {
    case missing(key: String, case: String)
    case invalid(String, case: String)

    var description: String {
        switch self {
        case .missing(let key, let name): return "\(name): case.json has no \"\(key)\""
        case .invalid(let what, let name): return "\(name): \(what)"
        }
    }
}

extension GoldenFolder: CustomTestStringConvertible {
    var testDescription: String { name }
}
