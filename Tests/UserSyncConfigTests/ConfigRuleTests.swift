import Foundation
import Testing
@testable import UserSyncConfig

/// Rules between keys and the smaller value checks.
@Suite("Config rules")
struct ConfigRuleTests {
    typealias Fixture = ConfigFixture

    @Test("max_attempts 0 with max_age 0s would retry forever")
    func unlimitedRetry() {
        let yaml = Fixture.valid + "\nretry:\n  max_attempts: 0\n  max_age: 0s\n"
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["retry.max_age"])
        #expect(error.issues.first?.line == Fixture.line(of: "max_age:", in: yaml))
    }

    @Test("max_attempts 0 alone keeps the default max_age; max_age 0s alone keeps max_attempts")
    func unlimitedOnOneSide() throws {
        let attempts = try Fixture.parse(Fixture.valid + "\nretry: { max_attempts: 0 }\n")
        #expect(attempts.retry.maxAttempts == nil)
        #expect(attempts.retry.maxAge == .seconds(259_200))
        let age = try Fixture.parse(Fixture.valid + "\nretry: { max_age: 0s }\n")
        #expect(age.retry.maxAttempts == 12)
        #expect(age.retry.maxAge == nil)
    }

    @Test("max_delay shorter than base_delay")
    func delaysOrdered() {
        let yaml = Fixture.valid + "\nretry:\n  base_delay: 10s\n  max_delay: 5s\n"
        let error = Fixture.error(yaml)
        #expect(error.issues == [ConfigIssue(
            key: "retry.max_delay", line: Fixture.line(of: "max_delay:", in: yaml),
            message: "must not be shorter than retry.base_delay (10s), got 5s"
        )])
    }

    @Test("a duplicated key is a YAML error with its line")
    func duplicateKey() {
        let yaml = Fixture.valid + "\nlog:\n  level: info\n  level: debug\n"
        let error = Fixture.error(yaml)
        #expect(error.issues.count == 1)
        #expect(error.issues.first?.message == "invalid YAML: duplicate key \"level\"")
        #expect(error.issues.first?.line != nil)
    }

    @Test("external_id written as ~ is missing, not unmapped")
    func externalIDNull() {
        let yaml = Fixture.valid(replacing: "external_id: id", with: "external_id: ~")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["source.fields.external_id"])
        #expect(error.issues.first?.line == Fixture.line(of: "external_id:", in: yaml))
    }

    @Test("an empty column name is refused")
    func emptyColumn() {
        let yaml = Fixture.valid(replacing: "    email: email", with: "    email: \"\"")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.key) == ["source.fields.email"])
    }

    @Test("content values must be custom field names")
    func contentValues() {
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)",
                                 with: "    token: \(Fixture.commBoxToken)\n    content:\n      plan: Plan\n      tier: [a]")
        let error = Fixture.error(yaml)
        #expect(error.issues == [ConfigIssue(
            key: "providers.commbox.content.tier", line: Fixture.line(of: "tier:", in: yaml),
            message: "expected the CommBox custom field's unique name, got a list"
        )])
    }

    @Test("csv delimiters", arguments: [("\";\"", true), ("\"\\t\"", true), ("\"ab\"", false), ("'\"'", false), ("\"é\"", false)])
    func csvDelimiter(value: String, accepted: Bool) {
        let yaml = Fixture.valid(replacing: "  kind: jsonl", with: "  kind: csv\n  csv: { delimiter: \(value) }")
        do {
            _ = try Fixture.parse(yaml)
            #expect(accepted)
        } catch {
            #expect(!accepted)
            #expect(error.issues.map(\.key) == ["source.csv.delimiter"])
        }
    }

    @Test("metrics listen addresses", arguments: [
        ("127.0.0.1:9464", true), ("\"[::1]:9464\"", true), ("localhost:1", true),
        ("9464", false), ("\":9464\"", false), ("\"::1:9464\"", false), ("host:70000", false),
    ])
    func listen(value: String, accepted: Bool) {
        let yaml = Fixture.valid + "\nmetrics: { listen: \(value) }\n"
        do {
            _ = try Fixture.parse(yaml)
            #expect(accepted)
        } catch {
            #expect(!accepted)
            #expect(error.issues.map(\.key) == ["metrics.listen"])
        }
    }

    @Test("enabled must be a boolean")
    func enabledBoolean() {
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    enabled: sometimes")
        let error = Fixture.error(yaml)
        #expect(error.issues.map(\.message) == ["expected true or false, got \"sometimes\""])
    }

    @Test("sections written as ~ take their defaults")
    func nullSections() throws {
        let config = try Fixture.parse(Fixture.valid + "\nsync: ~\nretry:\nlog: ~\nmetrics:\n")
        #expect(config.sync == .init())
        #expect(config.retry == .init())
    }

    @Test("a secret file holding only line breaks is empty")
    func emptySecretFile() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        try "\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    token_file: token")
        let error = Fixture.error(yaml, environment: ["CREDENTIALS_DIRECTORY": directory])
        #expect(error.issues.map(\.message) == ["file \(directory)/token is empty"])
    }
}
