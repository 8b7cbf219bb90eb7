import Foundation

/// A source-level problem an operator must fix: the source cannot be read at all, or not
/// to the end. Row-level problems are `SourceItem.unreadable` instead. One reason is no
/// fault at all: a file still being written (`settlesAt` says when to read it again).
///
/// `description` says what is wrong and where (`cannot open source /srv/app/users.jsonl:
/// No such file or directory`); `code` is a short, label-safe name for metrics.
public struct SourceError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Reason: Sendable, Hashable {
        /// `open(2)` or `stat(2)` failed.
        case cannotOpen(errno: Int32)
        /// `read(2)` failed after the file was opened.
        case cannotRead(errno: Int32)
        /// The file's content is not what the kind expects (not an array, no header…).
        case invalidContent(String)
        /// The options do not describe a usable source (unknown kind, missing table…).
        case invalidOptions(String)
        /// The SQLite table or view does not exist.
        case unknownTable(String, available: [String])
        /// A column the configuration maps is not among those the table or query returns.
        case missingColumn(String, available: [String])
        /// The SQLite query is not a single read-only SELECT or WITH statement.
        case queryRejected(String)
        /// SQLite reported an error while opening or reading.
        case database(String)
        /// Writing remote changes back to the local side failed (`WriteBack/`); nothing was
        /// applied and the caller retries with the same changes.
        case cannotWrite(String)
        /// A file source changed too recently to be trusted whole (`source.settle_time`), or
        /// changed while it was read: an application may still be writing it. Not a fault:
        /// the caller discards what it read and reads again once `settlesAt` has passed.
        case stillBeingWritten(modifiedAgo: Int64?, settlesAt: Int64)
    }

    let reason: Reason
    /// The source file the problem is about, when there is one.
    public let path: String?

    init(_ reason: Reason, path: String?) {
        self.reason = reason
        self.path = path
    }

    /// A short, stable, label-safe name for the kind of problem.
    public var code: String {
        switch reason {
        case .cannotOpen: return "cannot_open"
        case .cannotRead: return "cannot_read"
        case .invalidContent: return "invalid_content"
        case .invalidOptions: return "invalid_options"
        case .unknownTable: return "unknown_table"
        case .missingColumn: return "missing_column"
        case .queryRejected: return "query_rejected"
        case .database: return "database_error"
        case .cannotWrite: return "cannot_write"
        case .stillBeingWritten: return "still_being_written"
        }
    }

    /// When a file source that is still being written may be read again (seconds since the
    /// epoch); nil for every other problem.
    public var settlesAt: Double? {
        guard case .stillBeingWritten(_, let at) = reason else { return nil }
        return Double(at) / 1e9
    }

    public var description: String {
        let subject = path.map { "source \($0)" } ?? "source"
        switch reason {
        case .cannotOpen(let errno):
            return "cannot open \(subject): \(SystemError.message(errno))"
        case .cannotRead(let errno):
            return "cannot read \(subject): \(SystemError.message(errno))"
        case .invalidContent(let why):
            return "\(subject): \(why)"
        case .invalidOptions(let why):
            return "\(subject): \(why)"
        case .unknownTable(let table, let available):
            let known = available.isEmpty
                ? "the database has no tables or views"
                : "it has: \(available.joined(separator: ", "))"
            return "\(subject) has no table or view named \"\(table)\" (\(known))"
        case .missingColumn(let column, let available):
            return "\(subject) has no column named \"\(column)\" (source.fields or source.change_column maps it); "
                + "it returns: \(available.isEmpty ? "no columns" : available.joined(separator: ", "))"
        case .queryRejected(let why):
            return "\(subject): the query must be a single read-only SELECT or WITH statement: \(why)"
        case .database(let message):
            return "cannot read \(subject): \(message)"
        case .cannotWrite(let message):
            return "cannot write back to \(path ?? "the source"): \(message)"
        case .stillBeingWritten(let modifiedAgo, _):
            let when: String
            switch modifiedAgo {
            case nil: when = "changed while it was read"
            case let ago? where ago < 0: when = "has a modification time \(Self.seconds(-ago)) in the future: do the clocks differ?"
            case let ago?: when = "was modified \(Self.seconds(ago)) ago"
            }
            return "\(subject) is still being written (it \(when)); it is read once it has stayed unchanged for source.settle_time"
        }
    }

    static func seconds(_ nanoseconds: Int64) -> String {
        let value = Double(max(0, nanoseconds)) / 1e9
        return value < 10 ? String(format: "%.2fs", value) : String(format: "%.0fs", value)
    }
}
