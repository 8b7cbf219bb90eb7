import Testing
import UserSyncCore
@testable import UserSyncSources

@Suite("Write-back registry")
struct WriteBackRegistryTests {
    private let mapping = FieldMapping()

    @Test("picks the write-back for each kind and mode, and says where changes go")
    func kinds() throws {
        func make(_ source: SourceOptions, _ mode: WriteBackOptions.Mode = .inbound) throws -> any SourceWriteBack {
            try SourceRegistry.makeWriteBack(WriteBackOptions(
                source: source, mapping: mapping, mode: mode, inboundPath: "/var/lib/usersync/inbound.jsonl"))
        }
        #expect(try make(SourceOptions(kind: "sqlite", path: "/srv/app.db", table: "users")).description
            == "sqlite table users in /srv/app.db")
        #expect(try make(SourceOptions(kind: "sqlite", path: "/srv/app.db", table: "users"), .rewrite) is SQLiteTableWriteBack)
        #expect(try make(SourceOptions(kind: "sqlite", path: "/srv/app.db", query: "SELECT * FROM users")).description
            == "inbound changes file /var/lib/usersync/inbound.jsonl (a sqlite query source cannot be written back)")
        #expect(try make(SourceOptions(kind: "jsonl", path: "/srv/u.jsonl")).description
            == "inbound changes file /var/lib/usersync/inbound.jsonl")
        #expect(try make(SourceOptions(kind: "jsonl", path: "/srv/u.jsonl"), .rewrite).description
            == "jsonl file /srv/u.jsonl (rewritten in place)")
        #expect(try make(SourceOptions(kind: "json", path: "/srv/u.json"), .rewrite).description
            == "json array file /srv/u.json (rewritten in place)")
        let csv = try make(SourceOptions(kind: "csv", path: "/srv/u.csv", csvDelimiter: UInt8(ascii: ";")), .rewrite)
        #expect(((csv as? FileRewriteWriteBack)?.source as? CSVSource)?.delimiter == UInt8(ascii: ";"))
    }

    @Test("refuses options that cannot work, without touching any file")
    func refusals() {
        let noInbound = writeBackError {
            _ = try SourceRegistry.makeWriteBack(WriteBackOptions(source: SourceOptions(kind: "jsonl", path: "/srv/u.jsonl"), mapping: mapping))
        }
        #expect(noInbound?.code == "invalid_options")
        let query = writeBackError {
            _ = try SourceRegistry.makeWriteBack(WriteBackOptions(
                source: SourceOptions(kind: "sqlite", path: "/srv/a.db", query: "SELECT 1"), mapping: mapping, mode: .rewrite))
        }
        #expect(query?.code == "invalid_options")
        let unknown = writeBackError {
            _ = try SourceRegistry.makeWriteBack(WriteBackOptions(source: SourceOptions(kind: "xml", path: "/x"), mapping: mapping, inboundPath: "/i"))
        }
        #expect(unknown?.code == "invalid_options")
        let badQuery = writeBackError {
            _ = try SourceRegistry.makeWriteBack(WriteBackOptions(
                source: SourceOptions(kind: "sqlite", path: "/srv/a.db", query: "DELETE FROM users"), mapping: mapping, inboundPath: "/i"))
        }
        #expect(badQuery?.code == "query_rejected")
    }
}
