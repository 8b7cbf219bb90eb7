import Testing
import UserSyncCore

@Suite("EmailAddress")
struct EmailAddressTests {
    @Test(arguments: [
        "jane@example.com", "j@x.io", "jane.doe+tag@sub.example.co.uk", "élodie@exemple.fr", "o'brien@example.ie",
        String(repeating: "a", count: 64) + "@example.com",
        String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 185) + ".com",  // 254 bytes
    ])
    func acceptable(_ address: String) {
        #expect(EmailAddress.problem(with: address) == nil)
    }

    @Test(arguments: [
        ("jane.example.com", "no @ sign"),
        ("", "no @ sign"),
        ("@example.com", "nothing before the @"),
        ("jane@", "nothing after the @"),
        ("jane@@example.com", "more than one @ sign"),
        ("a@b@example.com", "more than one @ sign"),
        ("jane doe@example.com", "contains white space or control characters"),
        ("jane@exa mple.com", "contains white space or control characters"),
        (" jane@example.com", "contains white space or control characters"),
        ("jane@example.com\n", "contains white space or control characters"),
        ("jane\u{7F}@example.com", "contains white space or control characters"),
        ("jane@localhost", "the domain has no dot"),
        ("jane@.example.com", "the domain has an empty label"),
        ("jane@example.com.", "the domain has an empty label"),
        ("jane@example..com", "the domain has an empty label"),
        (String(repeating: "a", count: 65) + "@example.com", "the part before the @ is longer than 64 characters"),
        (String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 186) + ".com", "longer than 254 characters"),
    ])
    func problems(_ address: String, _ expected: String) {
        #expect(EmailAddress.problem(with: address) == expected)
    }

    @Test(arguments: [
        ("jane@example.com", "j***@example.com"),
        ("j@example.com", "j***@example.com"),
        ("élodie@exemple.fr", "é***@exemple.fr"),
        ("a@b@example.com", "a***@example.com"),
        ("@example.com", "***"),
        ("not-an-address", "***"),
        ("", "***"),
    ])
    func redaction(_ address: String, _ expected: String) {
        #expect(EmailAddress.redacted(address) == expected)
    }

    @Test func redactionNeverShowsTheLocalPartBeyondItsFirstCharacter() {
        let redacted = EmailAddress.redacted("secret.person@example.com")
        #expect(!redacted.contains("secret"))
        #expect(redacted.hasSuffix("@example.com"))
    }
}
