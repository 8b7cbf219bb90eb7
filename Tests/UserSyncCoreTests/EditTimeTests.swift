import Testing
import UserSyncCore

@Suite("Edit times (source.fields.updated_at, providers' updated_at)")
struct EditTimeTests {
    @Test("ISO 8601 in the shapes databases and providers write it", arguments: [
        ("2026-12-06T08:31:25Z", 1_796_545_885.0),
        ("2026-12-06T08:31:25.5+00:00", 1_796_545_885.5),
        ("2026-12-06T09:31:25+01:00", 1_796_545_885.0),
        ("2026-12-06T03:01:25-05:30", 1_796_545_885.0),
        ("2026-12-06 08:31:25", 1_796_545_885.0),  // SQLite's datetime('now'): UTC
        ("2026-12-06T08:31:25.1234567", 1_796_545_885.1234567),  // .NET's seven digits, no offset
        ("2026-12-06T08:31:25.123Z", 1_796_545_885.123),  // JavaScript's toISOString()
        ("2026-12-06T08:31", 1_796_545_860.0),
        ("2026-12-06", 1_796_515_200.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2000-02-29T00:00:00+0000", 951_782_400.0),
    ])
    func iso(_ text: String, _ seconds: Double) throws {
        let parsed = try #require(EditTime.seconds(.string(text)))
        #expect(abs(parsed - seconds) < 0.000_1, "\(text): \(parsed)")
    }

    @Test func secondsSince1970() {
        #expect(EditTime.seconds(.number("1796545885")) == 1_796_545_885)
        #expect(EditTime.seconds(.number("1796545885.25")) == 1_796_545_885.25)
    }

    @Test("anything else is no time at all", arguments: [
        "", "yesterday", "2026-13-01", "2026-12-06T25:00:00Z", "2026-12-06T08:31:25+", "2026-12-06T08:31:25.Z",
        "06/12/2026", "2026-12-06T08:31:25 UTC",
    ])
    func notATime(_ text: String) {
        #expect(EditTime.seconds(.string(text)) == nil)
    }

    @Test func nullAndOtherTypesAreNoTime() {
        #expect(EditTime.seconds(nil) == nil)
        #expect(EditTime.seconds(.null) == nil)
        #expect(EditTime.seconds(.bool(true)) == nil)
        #expect(EditTime.seconds(.object([:])) == nil)
    }
}
