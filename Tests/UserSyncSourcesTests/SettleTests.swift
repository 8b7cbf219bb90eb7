import Foundation
import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

/// `source.settle_time`: a file an application is still writing is never read half-way.
@Suite("File sources wait for the file to settle")
struct SettleTests {
    static let settle = Duration.milliseconds(500)

    /// Sets the file's modification time `seconds` into the past, as if written then.
    static func age(_ path: String, seconds: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-seconds)], ofItemAtPath: path)
    }

    static func jsonl(_ path: String, settle: Duration = settle) throws -> JSONLSource {
        try #require(SourceRegistry.make(SourceOptions(kind: "jsonl", path: path, settleTime: settle)) as? JSONLSource)
    }

    static func csv(_ path: String, settle: Duration = settle) throws -> CSVSource {
        try #require(SourceRegistry.make(SourceOptions(kind: "csv", path: path, settleTime: settle)) as? CSVSource)
    }

    /// Reads `source`, expecting it to be refused as still being written; returns what was delivered.
    static func refused(_ source: any UserSource) -> (error: SourceError?, delivered: Int) {
        var delivered = 0
        let error = sourceError { try source.read { _ in delivered += 1 } }
        return (error, delivered)
    }

    // MARK: a last row cut short, recently written

    @Test("a JSONL file cut inside its last line, just written: nothing is read, not even the complete lines")
    func jsonlCutWhileRecent() throws {
        // Given: an application rewriting the file in place has written one and a half lines
        let dir = try TemporaryDirectory()
        let written = Date().timeIntervalSince1970
        let path = try dir.write("users.jsonl", "{\"id\":\"u1\",\"phone\":\"+18005550101\"}\n{\"id\":\"u2\",\"phone\":\"+18")
        let source = try Self.jsonl(path)
        // When
        let (error, delivered) = Self.refused(source)
        // Then
        #expect(error?.code == "still_being_written")
        #expect(delivered == 0)
        let settlesAt = try #require(error?.settlesAt)
        // (against when the file was written: a loaded machine may stall past it before this line)
        #expect(settlesAt > written && settlesAt <= Date().timeIntervalSince1970 + 0.6)
        #expect(error?.description.contains("is still being written") == true)
        #expect(throws: SourceError.self) { try source.requireSettled() }
    }

    @Test("a CSV file cut inside the last row's last column, just written: the row is not read as complete")
    func csvCutWhileRecent() throws {
        // Given: the tester's case, Phone1 cut after "+18"
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name,phone\nu1,Ada,+18005550101\nu2,Grace,+18")
        let source = try Self.csv(path)
        // When
        let (error, delivered) = Self.refused(source)
        // Then
        #expect(error?.code == "still_being_written")
        #expect(delivered == 0)
        #expect(throws: SourceError.self) { try source.requireSettled() }
    }

    @Test("once the file has settled, a last row without a terminator is accepted as before")
    func settledFilesAreRead() throws {
        // Given: the same shapes, last written well over settle_time ago
        let dir = try TemporaryDirectory()
        let jsonl = try dir.write("users.jsonl", "{\"id\":\"u1\",\"phone\":\"+18005550101\"}\n{\"id\":\"u2\",\"phone\":\"+18005550102\"}")
        let csv = try dir.write("users.csv", "id,name,phone\nu1,Ada,+18005550101\nu2,Grace,+18005550102")
        try Self.age(jsonl, seconds: 5)
        try Self.age(csv, seconds: 5)
        // When
        let jsonlItems = try readAll(Self.jsonl(jsonl))
        let csvItems = try readAll(Self.csv(csv))
        // Then
        #expect(jsonlItems.compactMap { $0.row?.columns["phone"] } == ["+18005550101", "+18005550102"])
        #expect(csvItems.compactMap { $0.row?.columns["phone"] } == ["+18005550101", "+18005550102"])
        try Self.jsonl(jsonl).requireSettled()
        try Self.csv(csv).requireSettled()
    }

    @Test("a recently written file is read once settle_time has passed")
    func readAfterWaiting() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name\nu1,Ada\n")
        let source = try Self.csv(path, settle: .milliseconds(150))
        #expect(throws: SourceError.self) { try source.requireSettled() }
        try await Task.sleep(for: .milliseconds(200))
        try source.requireSettled()
        #expect(try readAll(source).count == 1)
    }

    @Test("a modification time in the future settles once the file has stayed unchanged for settle_time")
    func futureModificationTime() async throws {
        // Given a file whose mtime is an hour ahead of our clock
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name\nu1,Ada\n")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(3600)], ofItemAtPath: path)
        let source = try Self.csv(path, settle: .milliseconds(150))
        // When it is first seen, it is not settled, but due soon rather than in an hour
        let error = sourceError { try source.requireSettled() }
        #expect(error?.code == "still_being_written")
        #expect(try #require(error?.settlesAt) < Date().timeIntervalSince1970 + 1)
        #expect(error?.description.contains("in the future") == true)
        // Then once seen unchanged for settle_time, it is read
        try await Task.sleep(for: .milliseconds(200))
        #expect(try readAll(source).count == 1)
    }

    @Test("settle_time 0s reads a just-written file at once, last row included (as before)")
    func zeroDisablesTheWait() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name,phone\nu1,Ada,+18005550101\nu2,Grace,+18")
        let items = try readAll(Self.csv(path, settle: .zero))
        #expect(items.compactMap { $0.row?.columns["phone"] } == ["+18005550101", "+18"])
    }

    @Test("sqlite sources never wait")
    func sqliteIsUnaffected() throws {
        let source = try SourceRegistry.make(SourceOptions(kind: "sqlite", path: "/nonexistent/users.db", table: "users", settleTime: .seconds(60)))
        try source.requireSettled()
    }

    // MARK: a file that changes while it is read

    /// A settled file big enough that the reader thread cannot reach its end before the
    /// consumer has taken the first row (it runs at most a few 1,024-row batches ahead).
    static func bigFile(_ dir: TemporaryDirectory, _ name: String, header: String?, row: (Int) -> String) throws -> String {
        var text = header.map { $0 + "\n" } ?? ""
        for n in 1...30_000 { text += row(n) + "\n" }
        let path = try dir.write(name, text)
        try age(path, seconds: 5)
        return path
    }

    /// Reads `source`; when the first row arrives, writes `bytes` into its file: appended,
    /// or over its first bytes (in place: the size stays, the mtime moves).
    static func readWhileWriting(_ source: any UserSource, path: String, _ bytes: String, inPlace: Bool = false) -> (error: SourceError?, delivered: Int) {
        var delivered = 0
        let error = sourceError {
            try source.read { _ in
                delivered += 1
                if delivered == 1 {
                    let handle = FileHandle(forWritingAtPath: path)!
                    if !inPlace { handle.seekToEndOfFile() }
                    handle.write(Data(bytes.utf8))
                    try? handle.close()
                }
            }
        }
        return (error, delivered)
    }

    @Test("a JSONL file appended to during the read: the read reports it still being written")
    func jsonlChangedDuringRead() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.bigFile(dir, "users.jsonl", header: nil) { "{\"id\":\"u\($0)\",\"phone\":\"+1800555\($0)\"}" }
        let (error, delivered) = Self.readWhileWriting(try Self.jsonl(path), path: path, "{\"id\":\"late\",\"phone\":\"+1")
        #expect(error?.code == "still_being_written")
        #expect(error?.settlesAt != nil)
        #expect(delivered < 30_001, "the cut last line is never delivered")
    }

    @Test("a CSV file rewritten in place during the read (same size): the read reports it still being written")
    func csvChangedDuringRead() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.bigFile(dir, "users.csv", header: "id,phone") { "u\($0),+1800555\($0)" }
        let (error, _) = Self.readWhileWriting(try Self.csv(path), path: path, "id,phone", inPlace: true)
        #expect(error?.code == "still_being_written")
    }

    @Test("a JSON array file changed during the read: reported as still being written, not as a broken array")
    func jsonArrayChangedDuringRead() throws {
        let dir = try TemporaryDirectory()
        var text = "["
        for n in 1...30_000 { text += (n == 1 ? "" : ",\n") + "{\"id\":\"u\(n)\"}" }
        let path = try dir.write("users.json", text + "]\n")
        try Self.age(path, seconds: 5)
        let source = try SourceRegistry.make(SourceOptions(kind: "json", path: path, settleTime: Self.settle))
        let (error, _) = Self.readWhileWriting(source, path: path, "[", inPlace: true)
        #expect(error?.code == "still_being_written")
    }

    @Test("a settled file read without a change reads to the end")
    func unchangedDuringRead() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.bigFile(dir, "users.csv", header: "id,phone") { "u\($0),+1800555\($0)" }
        #expect(try readAll(Self.csv(path)).count == 30_000)
    }
}
