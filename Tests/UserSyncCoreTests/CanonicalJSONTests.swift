import Testing
import UserSyncCore

@Suite("Canonical JSON and digests")
struct CanonicalJSONTests {
    private func canonical(_ text: String) throws -> String {
        try JSONParser.parse(text).canonicalText
    }

    // MARK: Canonical text

    @Test func keysAreSortedAtEveryLevelAndWhiteSpaceDropped() throws {
        let text = try canonical(#" { "b" : 1 , "a" : { "d" : [ 3 , 2 ] , "c" : null } } "#)
        #expect(text == #"{"a":{"c":null,"d":[3,2]},"b":1}"#)
    }

    @Test func keysSortByTheirUTF8Bytes() throws {
        // "B" (0x42) < "a" (0x61) < "aa" < "z" < "é" (0xC3 0xA9) < U+FFFF (0xEF…) < U+10000 (0xF0…).
        let value: JSONValue = ["\u{10000}": 1, "é": 2, "z": 3, "aa": 4, "a": 5, "B": 6, "\u{FFFF}": 7]
        #expect(value.canonicalText == "{\"B\":6,\"a\":5,\"aa\":4,\"z\":3,\"é\":2,\"\u{FFFF}\":7,\"\u{10000}\":1}")
    }

    @Test func arraysKeepTheirOrder() throws {
        #expect(try canonical("[2,1,[\"b\",\"a\"]]") == #"[2,1,["b","a"]]"#)
        #expect(try JSONParser.parse("[1,2]").digest != JSONParser.parse("[2,1]").digest)
    }

    @Test func stringsAreEscapedMinimally() {
        let value: JSONValue = .string("q\"b\\s/ n\n r\r t\t b\u{08} f\u{0C} nul\u{0} us\u{1F} del\u{7F} é😀")
        #expect(value.canonicalText == #""q\"b\\s/ n\n r\r t\t b\u0008 f\u000c nul\u0000 us\u001f del"# + "\u{7F} é😀\"")
    }

    @Test func escapedAndLiteralFormsOfOneStringAreOneText() throws {
        let escaped = try canonical(#""\u00e9\/\u0041""#)
        #expect(try escaped == canonical(#""é/A""#))
    }

    @Test(arguments: [
        #"{"a":[1,"x",{"b":null}],"c":"q\"\n","d":true}"#,
        #""\u0001\u001f""#,
        #"{"é":{"😀":[false,-1.5e-7]}}"#,
    ])
    func canonicalTextParsesBackToTheSameValue(_ text: String) throws {
        let value = try JSONParser.parse(text)
        let again = try JSONParser.parse(value.canonicalText)
        #expect(again.canonicalText == value.canonicalText)
    }

    // MARK: Numbers

    @Test(arguments: [
        ("1.50", "1.5"), ("1.5", "1.5"), ("15e-1", "1.5"), ("0.15e1", "1.5"), ("150E-2", "1.5"),
        ("1.0", "1"), ("1e2", "100"), ("1E+2", "100"), ("-2.50", "-2.5"), ("-0", "0"), ("-0.0", "0"), ("0e5", "0"),
        ("42", "42"), ("-42", "-42"), ("0.1", "0.1"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
    ])
    func numbersAreNormalised(_ literal: String, _ expected: String) {
        #expect(JSONValue.number(literal).canonicalText == expected)
    }

    @Test func equalNumbersGiveEqualDigests() throws {
        let a = try JSONParser.parse(#"{"metadata":{"score":1.50}}"#)
        let b = try JSONParser.parse(#"{"metadata":{"score":15e-1}}"#)
        #expect(a != b, "the values keep their literals")
        #expect(a.canonicalText == b.canonicalText)
        #expect(a.digest == b.digest)
    }

    @Test func integersBeyondDoublePrecisionKeepEveryDigit() {
        #expect(JSONValue.number("9007199254740993").digest != JSONValue.number("9007199254740992").digest)
    }

    @Test func largeIntegersInEitherFormAreOneText() {
        let digits = "100000000000000000000"
        for literal in ["1e20", "1E+20", "1.0e20", "100000000000000000000.0", "0.1e21", "10000000000000000000000e-2"] {
            #expect(JSONValue.number(literal).canonicalText == digits, "\(literal)")
            #expect(JSONValue.number(literal).digest == JSONValue.number(digits).digest, "\(literal)")
        }
        #expect(JSONValue.number("-1.5e20").canonicalText == "-150000000000000000000")
        #expect(JSONValue.number("9007199254740993.0").canonicalText == "9007199254740993")
    }

    @Test func largeNumbersWithAFractionStayDoubles() {
        // Not integers: the Double form, as for any other fraction; integers in digits, however written.
        #expect(JSONValue.number("9007199254740993.5").canonicalText == "\(9007199254740993.5)")
        #expect(JSONValue.number("1.5e300").canonicalText == "15" + String(repeating: "0", count: 299))
        #expect(JSONValue.number("1e400").canonicalText == "1e400")  // beyond Double: kept as written
        #expect(JSONValue.number("1.5").canonicalText == "1.5")
        #expect(JSONValue.number("2.0").canonicalText == "2")
    }

    // MARK: Digest

    @Test func knownDigests() throws {
        // FNV-1a 64 of the canonical text. A change here changes every stored snapshot digest
        // (every user would be re-sent once): only ever on purpose, with a migration note.
        #expect(DocumentDigest(of: [UInt8]()).rawValue == 0xcbf2_9ce4_8422_2325)
        #expect(DocumentDigest(of: Array("a".utf8)).rawValue == 0xaf63_dc4c_8601_ec8c)
        let document = try JSONParser.parse(#"{"b": 1, "a": "x"}"#)
        #expect(document.digest.rawValue == 0x1fc4_6df9_4e7a_e50d)
        #expect(document.digest.description == "1fc46df94e7ae50d")
        let user: JSONValue = ["name": "Ada", "email": "ada@example.com", "metadata": ["plan": "pro"]]
        #expect(user.digest.description == "8568859b1c49d84c")
    }

    @Test func digestIsTheDigestOfTheCanonicalText() throws {
        let value = try JSONParser.parse(#"{"z":[1.0,"é"],"a":{"y":null,"x":true}}"#)
        #expect(value.digest == DocumentDigest(of: Array(value.canonicalText.utf8)))
    }

    @Test func keyOrderAndWhiteSpaceDoNotChangeTheDigest() throws {
        let a = try JSONParser.parse(#"{"name":"Ada","metadata":{"team":"x","plan":"pro"}}"#)
        let b = try JSONParser.parse("{\n  \"metadata\": {\"plan\": \"pro\", \"team\": \"x\"},\n  \"name\": \"Ada\"\n}")
        #expect(a.digest == b.digest)
    }

    @Test func anyChangedValueChangesTheDigest() {
        let base: JSONValue = ["name": "Ada", "metadata": ["plan": "pro"]]
        let variants: [JSONValue] = [
            ["name": "Ada ", "metadata": ["plan": "pro"]],
            ["name": "Ada", "metadata": ["plan": "Pro"]],
            ["name": "Ada", "metadata": ["plan": "pro", "x": nil]],
            ["name": "Ada", "metadata": [:]],
            ["name": "Ada"],
            ["name": "Ada", "metadata": ["plan": ["pro"]]],
        ]
        for variant in variants {
            #expect(variant.digest != base.digest, "\(variant.canonicalText)")
        }
    }

    @Test func storageValueRoundTripsThroughSignedIntegers() {
        let high = DocumentDigest(rawValue: 0xFFFF_FFFF_FFFF_FFFE)
        #expect(high.storageValue == -2)
        #expect(DocumentDigest(storageValue: high.storageValue) == high)
        let low = DocumentDigest(rawValue: 0xff)
        #expect(DocumentDigest(storageValue: low.storageValue) == low)
        #expect(low.description == "00000000000000ff")
    }
}
