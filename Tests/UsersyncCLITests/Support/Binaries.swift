import Foundation

/// The real executables, built next to the test bundle (`swift build` / `scripts/test.sh`).
enum Binaries {
    static let directory: URL = {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }()

    static var usersync: URL { locate("usersync") }
    static var sandbox: URL { locate("usersync-sandbox") }

    /// Fails loudly rather than skipping: an end-to-end suite that silently skips hides breakage.
    private static func locate(_ name: String) -> URL {
        let candidates = [
            directory.appendingPathComponent(name),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/\(name)"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        fatalError("\(name) is not built: run `swift build --product \(name)` (scripts/test.sh does) before the tests")
    }
}
