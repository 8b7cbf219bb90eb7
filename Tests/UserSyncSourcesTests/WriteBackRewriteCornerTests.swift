import Foundation
import Testing
@testable import UserSyncSources
import UserSyncCore
import UserSyncTesting

/// Corners of `write_back: rewrite` the format tests do not reach: quoting and line ends
/// inside CSV fields, CRLF around JSON elements, files with a byte order mark and nothing
/// else, and a source read while the write-back replaces it.
@Suite("Write-back by rewriting: corners")
struct WriteBackRewriteCornerTests {
    private let mapping = FieldMapping(externalID: "id", name: "name", email: "email", metadata: "meta", phone: nil)

    private func rewriter(_ path: String, _ kind: String, chunkSize: Int = 1 << 20) throws -> FileRewriteWriteBack {
        try fileRewrite(path, kind: kind, mapping: mapping, chunkSize: chunkSize)
    }

    @Test("CSV: quoted ids and fields holding CRLF, LF, quotes and delimiters are matched and kept", arguments: [1, 3, 1 << 20])
    func csvQuotedFields(chunkSize: Int) throws {
        // Given: multi-line quoted fields, doubled quotes, a quoted id with spaces around it
        let dir = try TemporaryDirectory()
        let original = "id,name,email\r\n"
            + "\"u1\",\"Ada \"\"the first\"\"\r\nLovelace\",\"a,b@example.com\"\r\n"
            + "\" u2 \",\"Grace\nHopper\",g@example.com\r\n"
            + "u3,\"\"\"\",\"\"\r\n"
        let path = try dir.write("users.csv", original)
        // When
        let result = try rewriter(path, "csv", chunkSize: chunkSize).apply([
            fieldChange("u1", "email", to: "ada@example.com"),
            fieldChange("u2", "name", to: "Grace \"Amazing\" Hopper"),
            fieldChange("u3", "email", to: "line1\nline2"),
        ])
        // Then: only the three cells changed; the quoted ones stay quoted
        #expect(result.applied == 3)
        let expected = "id,name,email\r\n"
            + "\"u1\",\"Ada \"\"the first\"\"\r\nLovelace\",\"ada@example.com\"\r\n"
            + "\" u2 \",\"Grace \"\"Amazing\"\" Hopper\",g@example.com\r\n"
            + "u3,\"\"\"\",\"line1\nline2\"\r\n"
        #expect(try text(of: path) == expected)
        let rows = try readAll(CSVSource(path: path)).compactMap(\.row)
        #expect(rows.map { $0.columns["name"] } == ["Ada \"the first\"\r\nLovelace", "Grace \"Amazing\" Hopper", "\""])
        #expect(rows.map { $0.columns["email"] } == ["ada@example.com", "g@example.com", "line1\nline2"])
    }

    @Test("CSV: a change to the value already in the cell leaves the file itself alone, however it is quoted")
    func csvUnchangedValue() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name\nu1,\"Ada\"\nu2,Bob\n")
        let before = try inode(of: path)
        let result = try rewriter(path, "csv").apply([fieldChange("u1", "name", to: "Ada"), fieldChange("u2", "name", to: "Bob")])
        #expect(result.applied == 2)
        #expect(try inode(of: path) == before)
        #expect(try listing(dir) == ["users.csv"])
    }

    @Test("JSON array with CRLF line ends: the element before the closing bracket keeps its line end", arguments: [1, 5, 1 << 20])
    func jsonArrayCRLF(chunkSize: Int) throws {
        let dir = try TemporaryDirectory()
        let original = "[\r\n  {\"id\": \"u1\", \"name\": \"Ada\"},\r\n  {\"id\": \"u2\", \"name\": \"Bob\"}\r\n]\r\n"
        let path = try dir.write("users.json", original)
        try rewriter(path, "json", chunkSize: chunkSize).apply([fieldChange("u2", "name", to: "Robert")])
        #expect(try text(of: path) == "[\r\n  {\"id\": \"u1\", \"name\": \"Ada\"},\r\n  {\"id\": \"u2\", \"name\": \"Robert\"}\r\n]\r\n")
    }

    @Test("JSONL with CRLF line ends and a byte order mark, edited at its first and last line", arguments: [1, 2, 1 << 20])
    func jsonlCRLFAndBOM(chunkSize: Int) throws {
        let dir = try TemporaryDirectory()
        let original = "\u{FEFF}{\"id\":\"u1\",\"name\":\"Ada\"}\r\n{\"id\":\"u2\",\"name\":\"Bob\"}\r\n"
        let path = try dir.write("users.jsonl", original)
        let result = try rewriter(path, "jsonl", chunkSize: chunkSize).apply([
            fieldChange("u1", "name", to: "A"), fieldChange("u2", "name", to: "B"),
        ])
        #expect(result.applied == 2)
        #expect(try text(of: path) == "\u{FEFF}{\"id\":\"u1\",\"name\":\"A\"}\r\n{\"id\":\"u2\",\"name\":\"B\"}\r\n")
    }

    @Test("a file holding only a byte order mark: JSONL has no user, a CSV without header is refused", arguments: ["jsonl", "csv"])
    func onlyBOM(kind: String) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.\(kind)", "\u{FEFF}")
        let before = try inode(of: path)
        let changes = [fieldChange("u1", "name", to: "A")]
        if kind == "csv" {
            #expect(writeBackError { try rewriter(path, kind).apply(changes) }?.code == "invalid_content")
        } else {
            #expect(try rewriter(path, kind).apply(changes).skippedSummary == ["u1 name: user_not_found"])
        }
        #expect(try inode(of: path) == before)
        #expect(try text(of: path) == "\u{FEFF}")
        #expect(try listing(dir) == ["users.\(kind)"])
    }

    @Test("a source read while the write-back replaces its file reads the old file to the end; the next read sees the change")
    func rewrittenWhileRead() throws {
        // Given: a file larger than what the reader thread reads ahead
        let dir = try TemporaryDirectory()
        let count = 100_000  // several read chunks: most of it is read after the rename
        let original = (0..<count).map { #"{"id":"u\#($0)","name":"User \#($0)"}"# + "\n" }.joined()
        let path = try dir.write("users.jsonl", original)
        let source = try JSONLSource(path: path)
        let writeBack = try rewriter(path, "jsonl")
        let before = try source.fingerprint()
        // When: the last user is rewritten as soon as the first row arrives
        var names: [JSONValue?] = []
        try source.read { item in
            if names.isEmpty { try writeBack.apply([fieldChange("u\(count - 1)", "name", to: "Changed")]) }
            names.append(item.row?.columns["name"])
        }
        // Then
        #expect(names.count == count)
        let last: JSONValue? = .string("User \(count - 1)")
        #expect(names.last == last, "the open file is the old one, whole")
        #expect(try source.fingerprint() != before)
        let again = try readAll(source).compactMap(\.row)
        #expect(again.last?.columns["name"] == "Changed")
    }
}
