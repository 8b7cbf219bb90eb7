import Foundation
import Testing
@testable import UserSyncSources
import UserSyncCore
import UserSyncTesting

@Suite("Write-back by rewriting the source file")
struct WriteBackRewriteTests {
    private let mapping = FieldMapping(externalID: "id", name: "name", email: "email", metadata: "meta", phone: nil)

    /// Chunk sizes that cut lines, elements, rows, quotes, escapes and the BOM anywhere.
    static let chunkSizes = [1, 2, 7, 1 << 20]

    /// The kinds a rewrite serves.
    enum Format: String, CaseIterable {
        case jsonl, json, csv
    }

    private func rewriter(
        _ path: String, _ format: Format, delimiter: UInt8 = UInt8(ascii: ","),
        chunkSize: Int = 1 << 20, maxItemBytes: Int? = nil
    ) throws -> FileRewriteWriteBack {
        try fileRewrite(
            path, kind: format.rawValue, mapping: mapping, delimiter: delimiter, chunkSize: chunkSize, maxItemBytes: maxItemBytes)
    }

    // MARK: - JSONL

    @Test("JSONL: only the changed members of the changed lines are re-written", arguments: chunkSizes)
    func jsonl(chunkSize: Int) throws {
        let dir = try TemporaryDirectory()
        let original = "\u{FEFF}" + #"{"id": "u1", "name": "Ada",  "email": "ada@example.com"}"# + "\n"
            + #"{"z": 1, "id":"u2","meta":{"plan":"pro", "tags":["a"]},"name":"Grace"}"# + "\r\n"
            + "\n"
            + "not json at all\n"
            + #"{"id": "u3", "name": "Linus", "email": "l@example.com", "n": 1.50}"# + "\n"
            + #"{"id":"u4","name":"Tim"}"#
        let path = try dir.write("users.jsonl", original)
        chmod(path, 0o640)

        let result = try rewriter(path, .jsonl, chunkSize: chunkSize).apply([
            fieldChange("u2", "name", to: "Grace Hopper"),
            fieldChange("u2", "metadata.plan", to: "team"),
            fieldChange("u2", "metadata.tags", to: nil),
            fieldChange("u2", "metadata.seats", to: 3),
            fieldChange("u4", "email", to: "tim@example.com"),
            fieldChange("u4", "metadata.plan", to: "free"),
            fieldChange("u9", "name", to: "Nobody"),
            fieldChange("u3", "phone", to: "+3"),
        ])

        #expect(result.applied == 6)
        #expect(result.skippedSummary == ["u9 name: user_not_found", "u3 phone: field_not_mapped"])
        let expected = "\u{FEFF}" + #"{"id": "u1", "name": "Ada",  "email": "ada@example.com"}"# + "\n"
            + #"{"z": 1, "id":"u2","meta":{"plan":"team","seats":3},"name":"Grace Hopper"}"# + "\r\n"
            + "\n"
            + "not json at all\n"
            + #"{"id": "u3", "name": "Linus", "email": "l@example.com", "n": 1.50}"# + "\n"
            + #"{"id":"u4","name":"Tim","email":"tim@example.com","meta":{"plan":"free"}}"#
        #expect(try text(of: path) == expected)
        #expect(try permissions(of: path) == 0o640)
        #expect(try listing(dir) == ["users.jsonl"])
        // What the reader now sees.
        let rows = try readAll(JSONLSource(path: path)).compactMap(\.row)
        #expect(rows.first { $0.columns["id"] == "u2" }?.columns["meta"] == ["plan": "team", "seats": 3])
    }

    @Test("JSONL: nothing to change leaves the file itself alone")
    func jsonlUnchanged() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.jsonl", #"{"id":"u1","name":"Ada"}"# + "\n")
        let before = try inode(of: path)
        let result = try rewriter(path, .jsonl).apply([fieldChange("u1", "name", to: "Ada"), fieldChange("u2", "name", to: "B")])
        #expect(result.applied == 1)
        #expect(try inode(of: path) == before)
        #expect(try listing(dir) == ["users.jsonl"])
    }

    @Test("aborts when the file changes during the rewrite; a later apply succeeds", arguments: Format.allCases)
    func changedUnderneath(format: Format) throws {
        let dir = try TemporaryDirectory()
        let content: String
        switch format {
        case .jsonl: content = #"{"id":"u1","name":"Ada"}"# + "\n"
        case .json: content = #"[{"id":"u1","name":"Ada"}]"# + "\n"
        case .csv: content = "id,name\nu1,Ada\n"
        }
        let path = try dir.write("users.\(format.rawValue)", content)
        var writeBack = try rewriter(path, format)
        writeBack.beforeCommit = { path in
            let handle = FileHandle(forWritingAtPath: path)!
            handle.seekToEndOfFile()
            handle.write(Data(" ".utf8))
            handle.closeFile()
        }
        let changes = [fieldChange("u1", "name", to: "Ada L.")]

        let error = writeBackError { try writeBack.apply(changes) }

        #expect(error?.code == "cannot_write")
        #expect(error?.description.contains("changed while it was being rewritten") == true)
        #expect(try text(of: path) == content + " ")
        #expect(try listing(dir) == ["users.\(format.rawValue)"], "the temporary file is removed")

        writeBack.beforeCommit = nil
        #expect(try writeBack.apply(changes).applied == 1)
        #expect(try text(of: path).contains("Ada L."))
    }

    @Test("a symbolic link is followed: the file it points to is replaced, the link stays")
    func symlink() throws {
        let dir = try TemporaryDirectory()
        let target = try dir.write("real.jsonl", #"{"id":"u1","name":"Ada"}"# + "\n")
        let link = dir.path("users.jsonl")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try rewriter(link, .jsonl).apply([fieldChange("u1", "name", to: "B")])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try text(of: target) == #"{"id":"u1","name":"B"}"# + "\n")
    }

    @Test("a missing file throws cannot_open and creates nothing")
    func missingFile() throws {
        let dir = try TemporaryDirectory()
        let error = writeBackError { try rewriter(dir.path("none.jsonl"), .jsonl).apply([fieldChange("u1", "name", to: "B")]) }
        #expect(error?.code == "cannot_open")
        #expect(try listing(dir).isEmpty)
    }

    @Test("JSONL: a large file streams through with only the changed line different")
    func largeJSONL() throws {
        let dir = try TemporaryDirectory()
        var original = ""
        for index in 0..<50_000 {
            original += #"{"id":"u\#(index)","name":"User \#(index)","meta":{"i":\#(index)}}"# + "\n"
        }
        let path = try dir.write("big.jsonl", original)
        try rewriter(path, .jsonl).apply([fieldChange("u31337", "metadata.i", to: "changed")])
        let expected = original.replacingOccurrences(
            of: #"{"id":"u31337","name":"User 31337","meta":{"i":31337}}"#,
            with: #"{"id":"u31337","name":"User 31337","meta":{"i":"changed"}}"#)
        #expect(try text(of: path) == expected)
    }

    // MARK: - JSON array

    @Test("JSON array: only the changed elements' members are re-written, every other byte kept", arguments: chunkSizes)
    func jsonArray(chunkSize: Int) throws {
        let dir = try TemporaryDirectory()
        let original = """
            \u{FEFF}[
              {
                "id": "u1",
                "name": "Ada",
                "meta": {"plan": "pro"}
              },
              { "id": "u2", "name": "Grace, \\"the\\" admiral", "meta": "{\\"plan\\": \\"pro\\"}" } ,
              {"id": 3, "name": "Linus"}
            ]

            """
        let path = try dir.write("users.json", original)

        let result = try rewriter(path, .json, chunkSize: chunkSize).apply([
            fieldChange("u1", "name", to: "Ada L."),
            fieldChange("u1", "metadata.seats", to: 2),
            fieldChange("u2", "metadata.plan", to: "team"),
            fieldChange("3", "email", to: "linus@example.com"),
        ])

        #expect(result.applied == 4)
        let expected = """
            \u{FEFF}[
              {
                "id": "u1",
                "name": "Ada L.",
                "meta": {"plan": "pro", "seats": 2}
              },
              { "id": "u2", "name": "Grace, \\"the\\" admiral", "meta": "{\\"plan\\": \\"team\\"}" } ,
              {"id": 3, "name": "Linus", "email": "linus@example.com"}
            ]

            """
        let actual = try text(of: path)
        #expect(actual == expected)
        let rows = try readAll(JSONArraySource(path: path)).compactMap(\.row)
        #expect(rows.map { $0.columns["name"] } == ["Ada L.", #"Grace, "the" admiral"#, "Linus"])
    }

    @Test("JSON array: a truncated file is not rewritten")
    func truncatedArray() throws {
        let dir = try TemporaryDirectory()
        let original = #"[{"id":"u1","name":"Ada"}, {"id":"u2""#
        let path = try dir.write("users.json", original)
        let error = writeBackError { try rewriter(path, .json).apply([fieldChange("u1", "name", to: "B")]) }
        #expect(error?.code == "invalid_content")
        #expect(try text(of: path) == original)
        #expect(try listing(dir) == ["users.json"])
    }

    // MARK: - CSV

    @Test("CSV: only the changed cells are replaced, quoted as needed; other rows byte-identical", arguments: chunkSizes)
    func csv(chunkSize: Int) throws {
        let dir = try TemporaryDirectory()
        let original = "\u{FEFF}id,name,email,meta\r\n"
            + "u1,Ada,ada@example.com,\"{\"\"plan\"\": \"\"pro\"\"}\"\r\n"
            + "u2,\"Grace\",grace@example.com,\r\n"
            + "\r\n"
            + "u3,\"multi\nline\",l@example.com,{}\r\n"
            + "u4,too,few\r\n"
            + "u5,Tim,tim@example.com,"
        let path = try dir.write("users.csv", original)
        chmod(path, 0o604)

        let result = try rewriter(path, .csv, chunkSize: chunkSize).apply([
            fieldChange("u1", "name", to: "Lovelace, Ada"),
            fieldChange("u1", "metadata.plan", to: "team"),
            fieldChange("u2", "name", to: "Grace"),
            fieldChange("u2", "email", to: nil),
            fieldChange("u2", "metadata.seats", to: 2),
            fieldChange("u4", "name", to: "x"),  // the reader rejects the row: not edited
            fieldChange("u5", "name", to: "Tim \"B\""),
        ])

        #expect(result.applied == 6)
        #expect(result.skippedSummary == ["u4 name: user_not_found"])
        let expected = "\u{FEFF}id,name,email,meta\r\n"
            + "\"Lovelace, Ada\",ada@example.com,\"{\"\"plan\"\": \"\"team\"\"}\"\r\n".replacingOccurrences(of: "\"Lovelace", with: "u1,\"Lovelace")
            + "u2,\"Grace\",,\"{\"\"seats\"\":2}\"\r\n"
            + "\r\n"
            + "u3,\"multi\nline\",l@example.com,{}\r\n"
            + "u4,too,few\r\n"
            + "u5,\"Tim \"\"B\"\"\",tim@example.com,"
        #expect(try text(of: path) == expected)
        #expect(try permissions(of: path) == 0o604)
        let rows = try readAll(CSVSource(path: path)).compactMap(\.row)
        #expect(rows.map { $0.columns["name"] } == ["Lovelace, Ada", "Grace", "multi\nline", #"Tim "B""#])
    }

    /// Old Mac line ends (a lone CR): the reader and the rewriter find the same rows, since
    /// both cut through `CSVCutter`.
    @Test("CSV: rows ended by a lone CR are cut as the reader cuts them", arguments: chunkSizes)
    func csvLoneCR(chunkSize: Int) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id,name\ru1,Ada\ru2,Bob\r\ru3,\"C\rD\"\r")
        let result = try rewriter(path, .csv, chunkSize: chunkSize).apply([
            fieldChange("u2", "name", to: "Robert"),
            fieldChange("u3", "name", to: "Cy"),
        ])
        #expect(result.applied == 2)
        let rewritten = try text(of: path)
        #expect(rewritten == "id,name\ru1,Ada\ru2,Robert\r\ru3,\"Cy\"\r", "\(rewritten.debugDescription)")
        let rows = try readAll(CSVSource(path: path)).compactMap(\.row)
        #expect(rows.map { $0.columns["name"] } == ["Ada", "Robert", "Cy"])
    }

    @Test("CSV: another delimiter, and a mapped column the header lacks")
    func csvDelimiterAndMissingColumn() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id;name\nu1;Ada\nu2;Bob\n")
        let result = try rewriter(path, .csv, delimiter: UInt8(ascii: ";")).apply([
            fieldChange("u1", "name", to: "A;B"),
            fieldChange("u2", "email", to: "b@example.com"),
        ])
        #expect(result.applied == 1)
        #expect(result.skippedSummary == ["u2 email: column_missing"])
        #expect(try text(of: path) == "id;name\nu1;\"A;B\"\nu2;Bob\n")
    }

    // MARK: - Over-long items

    @Test("lines, elements and rows over the reader's limit are copied unedited, without being held", arguments: Format.allCases)
    func overlong(format: Format) throws {
        let dir = try TemporaryDirectory()
        let long = String(repeating: "x", count: 100)
        let original: String
        let expected: String
        switch format {
        case .jsonl:
            original = #"{"id":"u1","name":"\#(long)"}"# + "\n" + #"{"id":"u2","name":"B"}"# + "\n"
            expected = #"{"id":"u1","name":"\#(long)"}"# + "\n" + #"{"id":"u2","name":"C"}"# + "\n"
        case .json:
            original = #"[{"id":"u1","name":"\#(long)"}, {"id":"u2","name":"B"}]"#
            expected = #"[{"id":"u1","name":"\#(long)"}, {"id":"u2","name":"C"}]"#
        case .csv:
            original = "id,name\nu1,\"\(long)\"\nu2,B\n"
            expected = "id,name\nu1,\"\(long)\"\nu2,C\n"
        }
        let path = try dir.write("users.\(format.rawValue)", original)
        for chunkSize in Self.chunkSizes {
            try Data(original.utf8).write(to: URL(fileURLWithPath: path))
            let result = try rewriter(path, format, chunkSize: chunkSize, maxItemBytes: 40).apply([
                fieldChange("u1", "name", to: "A"), fieldChange("u2", "name", to: "C"),
            ])
            #expect(result.skippedSummary == ["u1 name: user_not_found"], "chunk size \(chunkSize)")
            #expect(try text(of: path) == expected, "chunk size \(chunkSize)")
        }
    }
}
