import Foundation
import Testing
import UserSyncCore
@testable import UserSyncSources
import UserSyncTesting

@Suite("CSV source")
struct CSVSourceTests {
    @Test("reads rows under the header's names, every value a string")
    func happyPath() throws {
        // Given
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name,email,age\nu1,Ada,ada@example.com,36\nu2,Grace,,\n")
        // When
        let items = try readAll(CSVSource(path: path))
        // Then
        #expect(items.map(\.location) == [SourceLocation(.row, 1, line: 2), SourceLocation(.row, 2, line: 3)])
        #expect(items[0].row?.columns == ["id": "u1", "name": "Ada", "email": "ada@example.com", "age": "36"])
        #expect(items[1].row?.columns == ["id": "u2", "name": "Grace", "email": "", "age": ""])
    }

    @Test("quoted fields hold delimiters, doubled quotes and line breaks; rows keep their starting line")
    func quoting() throws {
        // Given
        let dir = try TemporaryDirectory()
        let text = "id,name,note\n"
            + "u1,\"Lovelace, Ada\",\"She said \"\"hi\"\"\"\n"
            + "u2,\"Grace\nHopper\",\"line one\r\nline two\"\n"
            + "u3,\"\",plain"
        let path = try dir.write("users.csv", text)
        // When
        let items = try readAll(CSVSource(path: path))
        // Then
        #expect(items.map(\.location) == [
            SourceLocation(.row, 1, line: 2), SourceLocation(.row, 2, line: 3), SourceLocation(.row, 3, line: 6),
        ])
        #expect(items[0].row?.columns["name"] == "Lovelace, Ada")
        #expect(items[0].row?.columns["note"] == "She said \"hi\"")
        #expect(items[1].row?.columns["name"] == "Grace\nHopper")
        #expect(items[1].row?.columns["note"] == "line one\r\nline two")
        #expect(items[2].row?.columns == ["id": "u3", "name": "", "note": "plain"])
    }

    @Test("CRLF rows, a BOM, blank lines and no final line break")
    func lineEndings() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "\u{FEFF}id,name\r\nu1,Ada\r\n\r\nu2,\"Grace\"\r\nu3,Linus")
        let items = try readAll(CSVSource(path: path))
        #expect(items.map(\.location) == [
            SourceLocation(.row, 1, line: 2), SourceLocation(.row, 2, line: 4), SourceLocation(.row, 3, line: 5),
        ])
        #expect(items.compactMap { $0.row?.columns["id"] } == ["u1", "u2", "u3"])
        #expect(items[1].row?.columns["name"] == "Grace")
        #expect(items[2].row?.columns["name"] == "Linus")
    }

    @Test("a row with the wrong field count is unreadable and the next rows are read")
    func wrongFieldCount() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name,email,metadata\nu1,Ada\nu2,a,b,c,d\nu3,Grace,g@example.com,{}\n")
        let items = try readAll(CSVSource(path: path))
        #expect(items.count == 3)
        #expect(items[0].unparseableText == "CSV row has 2 fields, header has 4")
        #expect(items[0].location == SourceLocation(.row, 1, line: 2))
        #expect(items[1].unparseableText == "CSV row has 5 fields, header has 4")
        #expect(items[2].row?.columns["id"] == "u3")
    }

    @Test("an unterminated quote at the end of the file makes that row unreadable")
    func unterminatedQuote() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name\nu1,Ada\nu2,\"Grace\nu3,Linus\n")
        let items = try readAll(CSVSource(path: path))
        #expect(items.count == 2)
        #expect(items[0].row?.columns["id"] == "u1")
        #expect(items[1].location == SourceLocation(.row, 2, line: 3))
        #expect(items[1].unparseableText == "unterminated quoted field: the quote opened on line 3 is never closed")
    }

    @Test("text after a closing quote makes the row unreadable")
    func textAfterClosingQuote() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name\nu1,\"Ada\"x\nu2,Grace\n")
        let items = try readAll(CSVSource(path: path))
        #expect(items[0].unparseableText?.contains("after the closing quote") == true)
        #expect(items[1].row?.columns["name"] == "Grace")
    }

    @Test("invalid UTF-8 in a row makes that row unreadable")
    func invalidUTF8() throws {
        let dir = try TemporaryDirectory()
        let bytes = Array("id,name\nu1,".utf8) + [0xC3, 0x28] + Array("\nu2,Zoë\n".utf8)
        let path = try dir.write("users.csv", bytes: bytes)
        let items = try readAll(CSVSource(path: path))
        #expect(items[0].reason == .invalidUTF8)
        #expect(items[0].location == SourceLocation(.row, 1, line: 2))
        #expect(items[1].row?.columns["name"] == "Zoë")
    }

    @Test("a custom delimiter")
    func customDelimiter() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id;name;note\nu1;\"Lovelace; Ada\";a,b\n")
        let items = try readAll(CSVSource(path: path, delimiter: UInt8(ascii: ";")))
        #expect(items[0].row?.columns == ["id": "u1", "name": "Lovelace; Ada", "note": "a,b"])
        let tabs = try dir.write("users.tsv", "id\tname\nu1\tAda\n")
        #expect(try readAll(CSVSource(path: tabs, delimiter: 0x09))[0].row?.columns == ["id": "u1", "name": "Ada"])
    }

    @Test("rows across chunk boundaries, with quoted line breaks, keep their numbers and lines")
    func chunkBoundaries() throws {
        let dir = try TemporaryDirectory()
        var text = "id,note\r\n"
        for index in 1...25_000 {
            text += "u\(index),\"multi\r\nline, \"\"quoted\"\" note \(index)\"\r\n"
        }
        let path = try dir.write("users.csv", text)
        var count = 0
        try CSVSource(path: path).read { item in
            count += 1
            #expect(item.location == SourceLocation(.row, count, line: 2 * count))
            #expect(item.row?.columns["note"] == .string("multi\r\nline, \"quoted\" note \(count)"))
        }
        #expect(count == 25_000)
    }

    @Test("no header, a broken header and a bad delimiter are SourceErrors")
    func fileLevelErrors() throws {
        let dir = try TemporaryDirectory()
        let empty = try dir.write("empty.csv", "")
        let error = sourceError { _ = try readAll(CSVSource(path: empty)) }
        #expect(error?.description == "source \(empty): has no CSV header row (the file is empty)")

        let duplicate = try dir.write("duplicate.csv", "id,name,id\nu1,a,b\n")
        #expect(sourceError { _ = try readAll(CSVSource(path: duplicate)) }?.description.contains("names column \"id\" twice") == true)

        #expect(sourceError { _ = try CSVSource(path: empty, delimiter: UInt8(ascii: "\"")) }?.code == "invalid_options")
    }
}
