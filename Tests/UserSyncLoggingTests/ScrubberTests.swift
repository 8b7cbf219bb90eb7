import Testing
@testable import UserSyncLogging

@Suite("Scrubber: secrets and e-mail addresses")
struct ScrubberTests {
    @Test func secretsAreReplacedWherever() {
        let scrubber = Scrubber(secrets: ["SENTINEL-abcdef", "tok-999999"], showPII: true)
        #expect(scrubber.scrub("key SENTINEL-abcdef refused") == "key <redacted> refused")
        #expect(scrubber.scrub("SENTINEL-abcdefSENTINEL-abcdef") == "<redacted><redacted>")
        #expect(scrubber.scrub(#"{"keySecret":"SENTINEL-abcdef","t":"Bearer tok-999999"}"#)
            == #"{"keySecret":"<redacted>","t":"Bearer <redacted>"}"#)
        #expect(scrubber.scrub("nothing here") == "nothing here")
    }

    @Test func theLongerOfOverlappingSecretsWins() {
        // If the short one went first, the tail of the long one would be left in the clear.
        let scrubber = Scrubber(secrets: ["abcd", "abcdefgh-long"], showPII: true)
        #expect(scrubber.scrub("x abcdefgh-long y abcd z") == "x <redacted> y <redacted> z")
    }

    @Test func veryShortValuesAreNotTreatedAsSecrets() {
        let scrubber = Scrubber(secrets: ["", "a", "ab", "abc"], showPII: true)
        #expect(scrubber.scrub("a cab abc") == "a cab abc")
    }

    @Test func emailsAreRedactedByDefault() {
        let scrubber = Scrubber(secrets: [], showPII: false)
        #expect(scrubber.scrub("user jane.doe@example.com parked") == "user j***@example.com parked")
        #expect(scrubber.scrub("a@b.io and zed@sub.example.org") == "a***@b.io and z***@sub.example.org")
    }

    @Test(arguments: [
        (#"external id "bob@example.com" appears twice"#, #"external id "b***@example.com" appears twice"#),
        ("'bob@example.com'", "'b***@example.com'"),
        ("<bob@example.com>", "<b***@example.com>"),
        ("(bob@example.com)", "(b***@example.com)"),
        ("[bob@example.com]", "[b***@example.com]"),
        ("{bob@example.com}", "{b***@example.com}"),
        ("email=bob@example.com", "email=b***@example.com"),
        ("bob@example.com,carol@example.com;dan@example.com", "b***@example.com,c***@example.com;d***@example.com"),
        (#"{"email":"bob@example.com"}"#, #"{"email":"b***@example.com"}"#),
        ("tab\tbob@example.com\n", "tab\tb***@example.com\n"),
    ])
    func emailsInsideQuotesAndBrackets(input: String, output: String) {
        #expect(Scrubber(secrets: [], showPII: false).scrub(input) == output)
    }

    @Test(arguments: [
        "reach me at bob@example.com.",
        "was bob@example.com: refused",
        "is it bob@example.com?",
        "mailto:bob@example.com",
    ])
    func emailsFollowedOrPrecededByPunctuation(input: String) {
        let scrubbed = Scrubber(secrets: [], showPII: false).scrub(input)
        #expect(!scrubbed.contains("bob@example.com"), "\(scrubbed)")
        #expect(scrubbed.contains("***@example.com"), "\(scrubbed)")
    }

    @Test func showPIIKeepsAddressesButNeverSecrets() {
        let scrubber = Scrubber(secrets: ["SENTINEL-xyz"], showPII: true)
        #expect(scrubber.scrub("jane@example.com key SENTINEL-xyz") == "jane@example.com key <redacted>")
    }

    @Test(arguments: ["@handle", "user@localhost", "a@b", "no at sign", "x@@y.com"])
    func textThatIsNotAnAddressIsLeftAlone(input: String) {
        #expect(Scrubber(secrets: [], showPII: false).scrub(input) == input)
    }

    @Test func aSecretThatLooksLikeAnAddressIsStillRedactedWhole() {
        let scrubber = Scrubber(secrets: ["svc-account@secret.example.com"], showPII: false)
        #expect(scrubber.scrub("as svc-account@secret.example.com") == "as <redacted>")
    }
}
