import UserSyncCore

extension AdapterConformance {
    /// Records that stress the projectors' fast `digest(_:)` paths: name splitting (spaces,
    /// non-ASCII, combining marks, tabs), escapes, numbers as written, nested values, content
    /// field ordering, and values at and over CommBox's limits.
    public static let trickyRecords: [UserRecord] = [
        UserRecord(externalID: "plain"),
        AdapterConformance.known,
        UserRecord(externalID: "spaces", name: "  Ada   King  Byron  ", email: "a@example.com"),
        UserRecord(externalID: "one-word", name: "Ada"),
        UserRecord(externalID: "only-spaces", name: "   "),
        UserRecord(externalID: "empty-name", name: ""),
        UserRecord(externalID: "accents", name: "Zoë Ångström-Løvelace", email: "zoe@example.com"),
        UserRecord(externalID: "combining", name: "Jose\u{301} Marti\u{301}"),
        UserRecord(externalID: "combining-space", name: "Ada \u{301}King"),
        UserRecord(externalID: "tab", name: "Ada\tKing"),
        UserRecord(externalID: "nbsp", name: "Ada\u{00A0}King Byron"),
        UserRecord(externalID: "emoji", name: "👩‍💻 Ada"),
        UserRecord(externalID: "quotes\"and\\slashes", name: "\"Ada\" \\ King\n", email: "q@example.com"),
        UserRecord(externalID: "control", name: "A\u{1}B \u{7F}C"),
        UserRecord(externalID: "first-only", name: "Ignored Name", firstName: "Augusta"),
        UserRecord(externalID: "last-only", lastName: "King"),
        UserRecord(externalID: "both-names", firstName: "Augusta Ada", lastName: "King-Noel", phone: "+44 1"),
        UserRecord(
            externalID: "numbers",
            metadata: ["plan": .number("1.50"), "seats": .number("-0"), "nested": .number("1e3"), "big": .number("123456789012345678901234567890")]),
        UserRecord(
            externalID: "nested", name: "N N",
            metadata: ["nested": ["z": [1, ["b": nil, "a": false]], "a": "é", "": "empty key"], "plan": nil, "seats": true, "extra": ["x"]]),
        UserRecord(externalID: "unicode-keys", metadata: ["ü": 1, "Z": 2, "a": 3, "\u{1F600}": 4, "plan": "😀"]),
        UserRecord(externalID: String(repeating: "x", count: 50), name: String(repeating: "f", count: 100) + " " + String(repeating: "l", count: 100)),
        UserRecord(externalID: String(repeating: "x", count: 51)),
        UserRecord(externalID: "first-101", name: String(repeating: "f", count: 101) + " Last"),
        UserRecord(externalID: "last-101", name: "First " + String(repeating: "l", count: 101)),
        UserRecord(externalID: "accented-100", name: String(repeating: "é", count: 100)),
        UserRecord(externalID: "accented-101", name: String(repeating: "é", count: 101)),
        UserRecord(externalID: "email-255", email: String(repeating: "e", count: 243) + "@example.com"),
        UserRecord(externalID: "email-256", email: String(repeating: "e", count: 244) + "@example.com"),
        UserRecord(externalID: "phone-101", phone: String(repeating: "1", count: 101)),
    ]
}
