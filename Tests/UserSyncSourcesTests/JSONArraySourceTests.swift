import Foundation
import Testing
import UserSyncCore
@testable import UserSyncSources
import UserSyncTesting

@Suite("JSON array source")
struct JSONArraySourceTests {
    @Test("streams each element with its number and starting line")
    func happyPath() throws {
        // Given
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.json", """
            [
              {"id": "u1", "name": "Ada, \\"the\\" [first]", "metadata": {"a": [1, {"b": "}"}]}},
              {
                "id": "u2",
                "score": 1.5e3
              }
            ]

            """)
        // When
        let items = try readAll(JSONArraySource(path: path))
        // Then
        #expect(items.map(\.location) == [SourceLocation(.element, 1, line: 2), SourceLocation(.element, 2, line: 3)])
        #expect(items[0].row?.columns["name"] == "Ada, \"the\" [first]")
        #expect(items[0].row?.columns["metadata"] == ["a": [1, ["b": "}"]]])
        #expect(items[1].row?.columns["score"] == .number("1.5e3"))
    }

    @Test("a bad element is unreadable and the scan goes on")
    func badElements() throws {
        // Given: a scalar, an array, broken JSON, raw invalid UTF-8, an empty element
        let dir = try TemporaryDirectory()
        var bytes = Array("[{\"id\":\"u1\"}, 42, [1, 2],\n{\"id\": oops},\n{\"id\":\"".utf8)
        bytes += [0xFF] + Array("\"}, , {\"id\":\"u7\"},]".utf8)
        let path = try dir.write("users.json", bytes: bytes)
        // When
        let items = try readAll(JSONArraySource(path: path))
        // Then
        #expect(items.map(\.location.number) == Array(1...7))
        #expect(items[0].row?.columns["id"] == "u1")
        #expect(items[1].unparseableText == "expected a JSON object, got a number")
        #expect(items[2].unparseableText == "expected a JSON object, got an array")
        #expect(items[3].location == SourceLocation(.element, 4, line: 2))
        #expect(items[3].unparseableText?.hasPrefix("unexpected 'o'") == true)
        #expect(items[4].reason == .invalidUTF8)
        #expect(items[5].unparseableText?.contains("empty element") == true)
        #expect(items[6].row?.columns["id"] == "u7")
    }

    @Test("an empty array, a BOM and CRLF line ends")
    func smallCases() throws {
        let dir = try TemporaryDirectory()
        let empty = try dir.write("empty.json", "  [ ]  \n")
        #expect(try readAll(JSONArraySource(path: empty)).isEmpty)

        let bom = try dir.write("bom.json", "\u{FEFF}[\r\n{\"id\":\"u1\"},\r\n{\"id\":\"u2\"}\r\n]\r\n")
        let items = try readAll(JSONArraySource(path: bom))
        #expect(items.map(\.location) == [SourceLocation(.element, 1, line: 2), SourceLocation(.element, 2, line: 3)])
        #expect(items.compactMap { $0.row?.columns["id"] } == ["u1", "u2"])
    }

    @Test("elements across chunk boundaries are cut correctly")
    func chunkBoundaries() throws {
        let dir = try TemporaryDirectory()
        var text = "["
        for index in 1...40_000 {
            text += (index == 1 ? "" : ",\n") + "{\"id\":\"user-\(index)\",\"note\":\"a \\\"quoted\\\" ] , } value\"}"
        }
        text += "]"
        let path = try dir.write("users.json", text)
        var count = 0
        try JSONArraySource(path: path).read { item in
            count += 1
            #expect(item.row?.columns["id"] == .string("user-\(count)"))
            #expect(item.location == SourceLocation(.element, count, line: count))
        }
        #expect(count == 40_000)
    }

    @Test("a file that is not an array, is empty, is truncated or has trailing data is a SourceError")
    func fileLevelErrors() throws {
        let dir = try TemporaryDirectory()
        let object = try dir.write("object.json", "{\"id\":\"u1\"}\n")
        let error = sourceError { _ = try readAll(JSONArraySource(path: object)) }
        #expect(error?.description == "source \(object): is not a JSON array: it starts with '{' on line 1 (for one JSON object per line, use kind jsonl)")
        #expect(error?.code == "invalid_content")

        let empty = try dir.write("empty.json", "")
        #expect(sourceError { _ = try readAll(JSONArraySource(path: empty)) }?.description.contains("is empty") == true)

        let truncated = try dir.write("truncated.json", "[{\"id\":\"u1\"},\n{\"id\":\"u2\", \"name\": \"Gr")
        var delivered = 0
        let truncation = sourceError { try JSONArraySource(path: truncated).read { _ in delivered += 1 } }
        #expect(delivered == 1)
        #expect(truncation?.description.contains("truncated") == true)
        #expect(truncation?.description.contains("element 2") == true)

        let trailing = try dir.write("trailing.json", "[{\"id\":\"u1\"}]\n[]")
        #expect(sourceError { _ = try readAll(JSONArraySource(path: trailing)) }?.description.contains("after the closing ']'") == true)
    }
}
