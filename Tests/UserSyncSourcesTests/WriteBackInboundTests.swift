import Foundation
import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

@Suite("Write-back to the inbound changes file")
struct WriteBackInboundTests {
    private let mapping = FieldMapping(externalID: "id", name: "name", email: "email", metadata: "meta", phone: nil)

    @Test("appends one parseable JSON line per change, creating the file 0600 and its directory 0700")
    func appends() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("state/inbound/inbound.jsonl")
        let writeBack = try InboundFileWriteBack(path: path, mapping: mapping)

        let first = try writeBack.apply([
            fieldChange("1001", "email", to: "ada@example.org", from: "ada@example.com"),
            fieldChange("1001", "phone", to: "+1"),  // not mapped
            fieldChange("1002", "metadata.plan", to: nil, from: "pro", provider: .performchat, time: 0.5),
        ])
        let second = try writeBack.apply([fieldChange("1003", "name", to: "Linus")])

        #expect(first.applied == 2)
        #expect(first.skippedSummary == ["1001 phone: field_not_mapped"])
        #expect(second.applied == 1)
        #expect(try permissions(of: path) == 0o600)
        #expect(try permissions(of: dir.path("state/inbound")) == 0o700)
        #expect(try permissions(of: dir.path("state")) == 0o700)
        let lines = try text(of: path).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0] == #"{"external_id":"1001","field":"email","new":"ada@example.org","old":"ada@example.com","provider":"commbox","time":"2026-11-23T01:34:02.123Z","time_unix":1795397642.123}"#)
        let parsed = try lines.dropLast().map { try JSONParser.parse(String($0)) }
        #expect(parsed[1] == [
            "external_id": "1002", "field": "metadata.plan", "new": nil, "old": "pro", "provider": "performchat",
            "time": "1970-01-01T00:00:00.500Z", "time_unix": .number("0.5"),
        ])
        #expect(parsed[2]["field"] == "name")
        #expect(parsed[2]["new"] == "Linus")
    }

    @Test("an empty batch or one with only skipped changes creates nothing")
    func nothingToWrite() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("inbound.jsonl")
        let result = try InboundFileWriteBack(path: path, mapping: mapping).apply([fieldChange("1", "phone", to: "2")])
        #expect(result.applied == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a last line left without its newline is closed before appending; existing permissions are kept")
    func tornLine() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("inbound.jsonl", #"{"external_id":"0"}"# + "\n" + #"{"torn"#)
        chmod(path, 0o640)
        try InboundFileWriteBack(path: path, mapping: mapping).apply([fieldChange("1", "name", to: "A")])
        let lines = try text(of: path).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1] == #"{"torn"#)
        #expect(try JSONParser.parse(String(lines[2]))["external_id"] == "1")
        #expect(try permissions(of: path) == 0o640)
    }

    @Test("a path that cannot be written throws and the batch can be retried")
    func failure() throws {
        let dir = try TemporaryDirectory()
        try dir.write("blocker", "not a directory")
        let writeBack = try InboundFileWriteBack(path: dir.path("blocker/inbound.jsonl"), mapping: mapping)
        let error = writeBackError { try writeBack.apply([fieldChange("1", "name", to: "A")]) }
        #expect(error?.code == "cannot_write")
        #expect(error?.description.contains("blocker") == true)
    }
}
