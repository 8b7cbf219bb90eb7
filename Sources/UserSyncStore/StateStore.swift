import Foundation
import GRDB
import UserSyncCore

/// Owns the state database: everything that must survive a crash (snapshot, id map, outbox,
/// dead letters, conflicts, run history). Each intention-named method is one transaction.
///
/// WAL mode, a busy timeout and IMMEDIATE write transactions (GRDB's pool default) let
/// `usersync status` read while the daemon writes, without either side failing.
public final class StateStore: Sendable {
    public let path: String
    let writer: any DatabaseWriter

    /// Opens (creating if needed) the state database for reading and writing. A new file is
    /// created 0600, and a missing directory 0700: the state names users and their e-mails.
    public static func open(path: String) throws(StoreError) -> StateStore {
        try prepareFile(path)
        do {
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            let pool = try DatabasePool(path: path, configuration: config)
            let unknown = try pool.read { db in try unknownMigrations(db) }
            guard unknown.isEmpty else {
                throw StoreError(path: path, "was written by a newer usersync (unknown migrations \(unknown)); upgrade usersync or restore the state")
            }
            try StateMigrations.migrator.migrate(pool)
            return StateStore(path: path, writer: pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: path, "cannot open: \(error)")
        }
    }

    /// Opens an existing state database without ever writing to it (dry-run, `status`).
    /// Returns nil when there is no state yet.
    public static func openReadOnly(path: String) throws(StoreError) -> StateStore? {
        // An empty file is what a first open leaves when it fails right after creating it.
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard FileManager.default.fileExists(atPath: path), size > 0 else { return nil }
        do {
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(10)
            // No `-wal` beside the file: no connection has it open, and a read-only reader in WAL
            // mode would still create `-wal` and `-shm` (owned by whoever runs the command).
            // Opened as immutable, SQLite reads the file alone and creates nothing.
            let quiet = !FileManager.default.fileExists(atPath: path + "-wal")
            let target = quiet ? Self.immutableURI(path) ?? path : path
            let queue = try DatabaseQueue(path: target, configuration: config)
            let (unknown, migrated) = try queue.read { db in
                (try unknownMigrations(db), try db.tableExists("grdb_migrations") && !StateMigrations.migrator.appliedIdentifiers(db).isEmpty)
            }
            if !unknown.isEmpty {
                throw StoreError(path: path, "was written by a newer usersync (unknown migrations \(unknown))")
            }
            guard migrated else { return nil }
            return StateStore(path: path, writer: queue)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: path, "cannot open read-only: \(error)")
        }
    }

    /// `file:` URI of a path opened read-only and immutable (the system SQLite reads URIs).
    static func immutableURI(_ path: String) -> String? {
        path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed).map { "file:\($0)?immutable=1" }
    }

    /// Migrations recorded in the file that this build does not know: a newer usersync wrote it.
    static func unknownMigrations(_ db: Database) throws -> [String] {
        guard try db.tableExists("grdb_migrations") else { return [] }
        let applied = try StateMigrations.migrator.appliedIdentifiers(db)
        return applied.subtracting(StateMigrations.migrator.migrations).sorted()
    }

    init(path: String, writer: any DatabaseWriter) {
        self.path = path
        self.writer = writer
    }

    private static func prepareFile(_ path: String) throws(StoreError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let fm = FileManager.default
        if !fm.fileExists(atPath: directory) {
            do {
                try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError(path: path, "cannot create directory \(directory): \(error.localizedDescription)")
            }
        }
        if !fm.fileExists(atPath: path) {
            let fd = Foundation.open(path, O_CREAT | O_RDWR | O_EXCL, 0o600)
            if fd < 0 && errno != EEXIST {
                throw StoreError(path: path, "cannot create: \(String(cString: strerror(errno)))")
            }
            if fd >= 0 { close(fd) }
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError(path: path, "read failed: \(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreError(path: path, "write failed: \(error)")
        }
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws(StoreError) -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    public static func now() -> Double { Date().timeIntervalSince1970 }

    static func encode(_ value: JSONValue) -> String { value.canonicalText }

    static func decode(_ text: String) -> JSONValue {
        (try? JSONParser.parse(text)) ?? .null
    }
}
