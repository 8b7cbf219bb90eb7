import Foundation
import Testing
import UserSyncCore
@testable import UserSyncSources
import UserSyncTesting

/// A change as the reconciler hands it over.
func fieldChange(
    _ externalID: String, _ field: String, to newValue: JSONValue?, from oldValue: JSONValue? = nil,
    provider: ProviderID = .commbox, time: Double = 1_795_397_642.123
) -> FieldChange {
    FieldChange(externalID: externalID, field: field, oldValue: oldValue, newValue: newValue, provider: provider, time: time)
}

/// The mode bits of a file or directory (`0o640`…).
func permissions(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

func inode(of path: String) throws -> UInt64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
}

func text(of path: String) throws -> String {
    String(decoding: try contents(of: path), as: UTF8.self)
}

/// The names in a directory, sorted (to see that no temporary file was left behind).
func listing(_ dir: TemporaryDirectory) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
}

extension WriteBackResult {
    /// The skipped changes as `external_id field: code`, for compact expectations.
    var skippedSummary: [String] {
        skipped.map { "\($0.change.externalID) \($0.change.field): \($0.code)" }
    }
}

/// Runs `body` and returns the `SourceError` it throws (recording an issue if it throws none).
func writeBackError(_ body: () throws -> Void) -> SourceError? {
    sourceError(body)
}

// The built-in providers' names, as the state and the binary know them (this target does
// not link the providers' module, where they are declared).
extension ProviderID {
    static let performchat: ProviderID = "performchat"
    static let commbox: ProviderID = "commbox"
}

/// The `write_back: rewrite` of the `kind` file at `path`, built as the engine builds it,
/// reading `chunkSize` bytes at a time and holding at most `maxItemBytes` of one item.
func fileRewrite(
    _ path: String, kind: String, mapping: FieldMapping, delimiter: UInt8 = UInt8(ascii: ","),
    chunkSize: Int = 1 << 20, maxItemBytes: Int? = nil
) throws -> FileRewriteWriteBack {
    let options = WriteBackOptions(
        source: SourceOptions(kind: kind, path: path, csvDelimiter: delimiter), mapping: mapping, mode: .rewrite)
    var writeBack = try #require(try SourceRegistry.makeWriteBack(options) as? FileRewriteWriteBack)
    writeBack.reading.chunkSize = chunkSize
    writeBack.reading.maxItemBytes = maxItemBytes
    return writeBack
}
