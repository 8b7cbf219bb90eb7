import Testing
@testable import UserSyncConfig

private typealias Fixture = ConfigFixture

/// `source.settle_time`: how long a source file must stay unchanged before it is read.
@Suite("Config: source.settle_time")
struct SettleTimeConfigTests {
    @Test("defaults to 2s, and reads the usual duration syntax, 0s included")
    func decodes() throws {
        #expect(try Fixture.parse(Fixture.valid).source.settleTime == .seconds(2))
        let custom = Fixture.valid(replacing: "  kind: jsonl\n", with: "  kind: jsonl\n  settle_time: 750ms\n")
        #expect(try Fixture.parse(custom).source.settleTime == .milliseconds(750))
        let off = Fixture.valid(replacing: "  kind: jsonl\n", with: "  kind: jsonl\n  settle_time: 0s\n")
        #expect(try Fixture.parse(off).source.settleTime == .zero)
    }

    @Test("a bad value is named with its line")
    func badValue() {
        let yaml = Fixture.valid(replacing: "  kind: jsonl\n", with: "  kind: jsonl\n  settle_time: soon\n")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["source.settle_time"])
        #expect(error.issues.first?.line == Fixture.line(of: "settle_time:", in: yaml))
        let negative = Fixture.error(Fixture.valid(replacing: "  kind: jsonl\n", with: "  kind: jsonl\n  settle_time: -1s\n"))
        #expect(negative.issues.first?.message.contains("must not be negative") == true)
    }

    @Test("the effective configuration shows it and reads back the same")
    func renders() throws {
        let config = try Fixture.parse(Fixture.valid(replacing: "  kind: jsonl\n", with: "  kind: jsonl\n  settle_time: 1m30s\n"))
        let rendered = config.renderEffective()
        #expect(rendered.contains("settle_time: 1m30s"))
        #expect(try Fixture.parse(rendered).source.settleTime == .seconds(90))
    }
}
