import Testing
import UserSyncCore
import UserSyncSources
import UserSyncTesting

@Suite("Source registry")
struct SourceRegistryTests {
    @Test("knows the five kinds and describes what it built")
    func kinds() throws {
        #expect(SourceRegistry.kinds == ["csv", "json", "jsonl", "postgres", "sqlite"])
        #expect(try SourceRegistry.make(SourceOptions(kind: "jsonl", path: "/srv/app/users.jsonl")).description
            == "jsonl file /srv/app/users.jsonl")
        #expect(try SourceRegistry.make(SourceOptions(kind: "json", path: "/srv/u.json")).description == "json array file /srv/u.json")
        #expect(try SourceRegistry.make(SourceOptions(kind: "csv", path: "/srv/u.csv", csvDelimiter: UInt8(ascii: ";"))).description
            == "csv file /srv/u.csv (delimiter ';')")
        #expect(try SourceRegistry.make(SourceOptions(kind: "sqlite", path: "/srv/u.db", table: "users")).description
            == "sqlite table users in /srv/u.db")
        let postgres = PostgresSourceOptions(url: PostgresURL(user: "app", host: "db", database: "crm"), password: "s3cret")
        let built = try SourceRegistry.make(SourceOptions(kind: "postgres", path: "", table: "users", postgres: postgres))
        #expect(built.description == "postgres table users in postgres://app@db:5432/crm")
    }

    @Test("each kind says what it can do; the engine asks it instead of switching on the kind")
    func capabilities() {
        for kind in ["jsonl", "json", "csv"] {
            #expect(SourceRegistry.kind(named: kind)?.capabilities == [.settles, .rewrites], "\(kind)")
        }
        #expect(SourceRegistry.kind(named: "sqlite")?.capabilities == [])
        #expect(SourceRegistry.kind(named: "postgres")?.capabilities == [])
        #expect(SourceRegistry.kind(named: "xml") == nil)
    }

    @Test("a postgres table is written back into the table, a postgres query to the inbound file, without connecting")
    func postgresWriteBack() throws {
        let postgres = PostgresSourceOptions(url: PostgresURL(user: "app", host: "db", database: "crm"), password: "s3cret")
        func make(_ source: SourceOptions) throws -> any SourceWriteBack {
            try SourceRegistry.makeWriteBack(WriteBackOptions(
                source: source, mapping: FieldMapping(), mode: .rewrite, inboundPath: "/var/lib/usersync/inbound.jsonl"))
        }
        let table = try make(SourceOptions(kind: "postgres", path: "", table: "users", postgres: postgres))
        #expect(table.description == "postgres table users in postgres://app@db:5432/crm")
        let query = try make(SourceOptions(kind: "postgres", path: "", query: "SELECT * FROM users", postgres: postgres))
        #expect(query.description
            == "inbound changes file /var/lib/usersync/inbound.jsonl (a postgres query source cannot be written back)")
    }

    @Test("an unknown kind names the known ones")
    func unknownKind() {
        let error = sourceError { _ = try SourceRegistry.make(SourceOptions(kind: "xml", path: "/srv/u.xml")) }
        #expect(error?.description == "source /srv/u.xml: unknown source kind \"xml\", expected one of: csv, json, jsonl, postgres, sqlite")
    }

    @Test("options that do not fit the kind are refused")
    func misfits() {
        #expect(sourceError { _ = try SourceRegistry.make(SourceOptions(kind: "csv", path: "/x", table: "t")) }?.code == "invalid_options")
        #expect(sourceError { _ = try SourceRegistry.make(SourceOptions(kind: "jsonl", path: "")) }?.code == "invalid_options")
    }
}
