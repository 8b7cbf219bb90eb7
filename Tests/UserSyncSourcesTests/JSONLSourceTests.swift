import Foundation
import Testing
import UserSyncCore
@testable import UserSyncSources
import UserSyncTesting

@Suite("JSONL source")
struct JSONLSourceTests {
    @Test("reads one object per line, keeping JSON types")
    func happyPath() throws {
        // Given
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.jsonl", """
            {"id":"u1","name":"Ada","age":36,"admin":true,"metadata":{"team":"core"}}
            {"id":"u2","name":"Grace","age":null,"tags":["a","b"]}

            """)
        // When
        let items = try readAll(JSONLSource(path: path))
        // Then
        #expect(items.count == 2)
        let first = try #require(items[0].row)
        #expect(first.location == SourceLocation(.line, 1))
        #expect(first.columns["id"] == "u1")
        #expect(first.columns["age"] == .number("36"))
        #expect(first.columns["admin"] == .bool(true))
        #expect(first.columns["metadata"] == ["team": "core"])
        let second = try #require(items[1].row)
        #expect(second.location == SourceLocation(.line, 2))
        #expect(second.columns["age"] == .null)
        #expect(second.columns["tags"] == ["a", "b"])
    }

    @Test("a bad line is reported with its line number and reason, and the rest is read")
    func badLines() throws {
        // Given: not JSON, not an object, raw invalid UTF-8 inside a string and outside one
        let dir = try TemporaryDirectory()
        var bytes = Array("{\"id\":\"u1\"}\nnot json\n[1,2]\n".utf8)
        bytes += Array("{\"id\":\"".utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8)
        bytes += [0xC3, 0x28] + Array("\n\"text\"\n{\"id\":\"u7\"}\n".utf8)
        let path = try dir.write("users.jsonl", bytes: bytes)
        // When
        let items = try readAll(JSONLSource(path: path))
        // Then
        #expect(items.map(\.location) == (1...7).map { SourceLocation(.line, $0) })
        #expect(items[0].row?.columns["id"] == "u1")
        #expect(items[1].unparseableText == "unexpected 'o' at byte 2")
        #expect(items[2].unparseableText == "expected a JSON object, got an array")
        #expect(items[3].reason == .invalidUTF8)
        #expect(items[4].reason == .invalidUTF8)
        #expect(items[5].unparseableText == "expected a JSON object, got a string")
        #expect(items[6].row?.columns["id"] == "u7")
    }

    @Test("blank lines are skipped but counted; CRLF, a BOM and a missing final newline are fine")
    func lineEndings() throws {
        // Given
        let dir = try TemporaryDirectory()
        let text = "\u{FEFF}{\"id\":\"u1\"}\r\n\r\n   \n{\"id\":\"u2\",\"name\":\"a\\r\\nb\"}\r\n\n{\"id\":\"u3\"}"
        let path = try dir.write("users.jsonl", text)
        // When
        let items = try readAll(JSONLSource(path: path))
        // Then
        #expect(items.map(\.location) == [SourceLocation(.line, 1), SourceLocation(.line, 4), SourceLocation(.line, 6)])
        #expect(items.compactMap { $0.row?.columns["id"] } == ["u1", "u2", "u3"])
        #expect(items[1].row?.columns["name"] == "a\r\nb")
    }

    @Test("lines straddling the 1 MiB chunk boundary and lines longer than a chunk are read whole")
    func chunkBoundaries() throws {
        // Given: 30,000 lines of ~70 bytes (about 2 MiB), then one 3 MiB line
        let dir = try TemporaryDirectory()
        var text = ""
        for index in 1...30_000 {
            text += "{\"id\":\"user-\(index)\",\"email\":\"user\(index)@example.com\",\"n\":\(index)}\n"
        }
        let long = String(repeating: "x", count: 3 << 20)
        text += "{\"id\":\"long\",\"blob\":\"\(long)\"}\n"
        let path = try dir.write("users.jsonl", text)
        // When
        var count = 0
        var last: SourceRow?
        try JSONLSource(path: path).read { item in
            count += 1
            guard let row = item.row else {
                Issue.record("unexpected \(item)")
                return
            }
            if count <= 30_000 { #expect(row.columns["n"] == .number(String(count))) }
            last = row
        }
        // Then
        #expect(count == 30_001)
        #expect(last?.location == SourceLocation(.line, 30_001))
        #expect(last?.columns["blob"]?.stringValue?.utf8.count == 3 << 20)
    }

    @Test("an empty file yields no rows")
    func emptyFile() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.jsonl", "")
        #expect(try readAll(JSONLSource(path: path)).isEmpty)
    }

    @Test("a missing file is a SourceError naming the path")
    func missingFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("absent.jsonl")
        let error = sourceError { _ = try readAll(JSONLSource(path: path)) }
        #expect(error?.description == "cannot open source \(path): No such file or directory")
        #expect(error?.code == "cannot_open")
        #expect(error?.path == path)
    }

    @Test("an error thrown by the caller stops the stream and comes back unchanged")
    func callerError() throws {
        struct Stop: Error {}
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.jsonl", "{\"id\":\"1\"}\n{\"id\":\"2\"}\n")
        var seen = 0
        #expect(throws: Stop.self) {
            try JSONLSource(path: path).read { _ in
                seen += 1
                throw Stop()
            }
        }
        #expect(seen == 1)
    }
}
