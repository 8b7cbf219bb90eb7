#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import UserSyncCore

/// Appends each change as one JSON line to the inbound changes file, for the operator's
/// application to pick up; the source itself is never touched.
///
/// A line is `FieldChange.document` with keys sorted, `time` as an ISO 8601 UTC string and
/// `time_unix` as seconds since 1970:
///
/// ```
/// {"external_id":"1001","field":"email","new":"ada@example.org","old":"ada@example.com","provider":"commbox","time":"2026-11-23T01:34:02.123Z","time_unix":1795397642.123}
/// ```
///
/// The file is created `0600` (its missing directories `0700`) and is only ever appended
/// to, so the application may truncate or rotate it once it has consumed it. The batch is
/// written in one go and `fsync`ed before `apply` returns; if writing fails the file is cut
/// back to its previous length, so a retry does not leave half a batch behind. A previous
/// line left without its newline (a crash mid-write before any `fsync`) is closed first.
///
/// Changes to fields with no column in the mapping are skipped, as for every other kind: a
/// field that is not mapped is not synced back.
public struct InboundFileWriteBack: SourceWriteBack {
    public let path: String
    public let mapping: FieldMapping
    /// Why the changes go here rather than into the source (a SQLite query), for `description`.
    public let fallbackReason: String?

    public init(path: String, mapping: FieldMapping, fallbackReason: String? = nil) throws(SourceError) {
        if path.isEmpty || path.utf8.contains(0) {
            throw SourceError(.invalidOptions("the inbound changes file has an empty path or holds a NUL byte"), path: nil)
        }
        self.path = path
        self.mapping = mapping
        self.fallbackReason = fallbackReason
    }

    public var description: String {
        let base = "inbound changes file \(path)"
        return fallbackReason.map { "\(base) (\($0))" } ?? base
    }

    @discardableResult
    public func apply(_ changes: [FieldChange]) throws(SourceError) -> WriteBackResult {
        var plan = WriteBackPlan(changes, mapping: mapping)
        var lines: [UInt8] = []
        var written: [WriteBackPlan.Edit] = []
        for externalID in plan.externalIDs {
            written += plan.edits(for: externalID) ?? []
        }
        written.sort { $0.index < $1.index }
        for edit in written {
            Self.line(for: edit.change).appendCanonical(to: &lines)
            lines.append(0x0A)
        }
        if !lines.isEmpty { try append(lines) }
        for edit in written { plan.record(edit, .applied) }
        return plan.result
    }

    /// The JSON object written for `change`.
    static func line(for change: FieldChange) -> JSONValue {
        var object = change.document.objectValue ?? [:]
        object["time_unix"] = object["time"]
        object["time"] = .string(ISO8601Time.string(change.time))
        return .object(object)
    }

    private func append(_ bytes: [UInt8]) throws(SourceError) {
        let directory = OutputFile.directory(of: path)
        try OutputFile.makeDirectories(directory, mode: 0o700)
        let existed = access(path, F_OK) == 0
        var file = try OutputFile(path: path, flags: O_RDWR | O_APPEND | O_CREAT, mode: 0o600, what: "inbound changes file")
        let before = Int64(try file.status().st_size)
        var bytes = bytes
        if before > 0 {
            var last: UInt8 = 0
            if pread(file.descriptor, &last, 1, off_t(before - 1)) == 1, last != 0x0A {
                bytes.insert(0x0A, at: 0)
            }
        }
        do {
            try file.write(bytes)
            try file.sync()
        } catch {
            // Leave no partial batch behind: the caller retries the whole batch.
            _ = ftruncate(file.descriptor, off_t(before))
            _ = fsync(file.descriptor)
            throw error
        }
        if !existed { OutputFile.syncDirectory(directory) }
    }
}
