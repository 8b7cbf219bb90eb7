import Testing
import UserSyncCore

/// The error a parse throws, or nil when the bytes parse.
private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String) -> JSONParseError? {
    parseError(Array(text.utf8))
}

private func nested(_ depth: Int, open: String, close: String) -> String {
    String(repeating: open, count: depth) + String(repeating: close, count: depth)
}

@Suite("JSONParser")
struct JSONParserTests {
    // MARK: Valid documents

    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"{"s":"text","n":-12.5e3,"t":true,"f":false,"z":null,"a":[1,[],{}],"o":{"k":"v"}}"#)
        #expect(value == .object([
            "s": "text", "n": .number("-12.5e3"), "t": true, "f": false, "z": nil,
            "a": [1, [], [:]], "o": ["k": "v"],
        ]))
    }

    @Test(arguments: ["0", "-0", "7", "-7", "1.5", "1.50", "0.001", "1e10", "1E+2", "-1.25e-3", "123456789012345678901234567890"])
    func numbersKeepTheirLiteralText(_ literal: String) throws {
        #expect(try JSONParser.parse(literal) == .number(literal))
    }

    @Test func surroundingWhiteSpaceIsAllowed() throws {
        #expect(try JSONParser.parse(" \t\r\n{ \"a\" :\n[ 1 , 2 ] }\n ") == ["a": [1, 2]])
    }

    @Test func scalarsAtTopLevel() throws {
        #expect(try JSONParser.parse("\"x\"") == "x")
        #expect(try JSONParser.parse("true") == true)
        #expect(try JSONParser.parse("null") == nil)
    }

    @Test func theLastOfRepeatedKeysWins() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    @Test func multiByteUTF8PassesThrough() throws {
        #expect(try JSONParser.parse("\"héllo wörld 😀 日本\"") == "héllo wörld 😀 日本")
    }

    @Test func parsesFromBytesAndFromABuffer() throws {
        let bytes = Array(#"{"a":[true]}"#.utf8)
        #expect(try JSONParser.parse(bytes) == ["a": [true]])
        #expect(try JSONParser.parse(bytes[...]) == ["a": [true]])
        let viaBuffer = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            try JSONParser.parse(buffer)
        }
        #expect(viaBuffer == ["a": [true]])
    }

    // MARK: Escapes

    @Test func simpleEscapes() throws {
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    }

    @Test func escapesBetweenPlainText() throws {
        #expect(try JSONParser.parse(#""ab\ncd\"ef""#) == "ab\ncd\"ef")
    }

    @Test func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u00e9\u00C9\u0041""#) == "éÉA")
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try JSONParser.parse(#""\u65e5\u672c""#) == "日本")
    }

    @Test func surrogatePairsCombine() throws {
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == "😀")
        #expect(try JSONParser.parse(#""\ud83d\ude00 and \uD834\uDD1E""#) == "😀 and 𝄞")
    }

    @Test(arguments: [
        #""\uD83D""#,         // lone high surrogate at the end
        #""\uD83Dx""#,        // high surrogate followed by text
        #""\uD83D\u0041""#,   // high surrogate followed by a non-surrogate
        #""\uD83D\uD83D""#,   // two high surrogates
        #""\uDE00""#,         // lone low surrogate
        #""\x""#,             // unknown escape
        #""\U0041""#,         // upper-case U is not an escape
        #""\u12G4""#,         // not hex
    ])
    func badEscapesAreInvalidEscape(_ text: String) {
        #expect(parseError(text)?.kind == .invalidEscape)
    }

    @Test func truncatedEscapeIsUnexpectedEnd() {
        #expect(parseError(#""\u12"#)?.kind == .unexpectedEnd)
        #expect(parseError(#""abc\"#)?.kind == .unexpectedEnd)
    }

    @Test func rawControlCharactersInStringsAreRejected() {
        #expect(parseError("\"a\nb\"")?.kind == .unexpectedCharacter(0x0A))
        #expect(parseError("\"a\\nb\u{01}\"")?.kind == .unexpectedCharacter(0x01))
    }

    // MARK: Invalid UTF-8

    @Test(arguments: [
        [0xC3, 0x28],              // truncated two-byte sequence
        [0xFF],                    // never valid
        [0xC0, 0x80],              // overlong NUL
        [0xED, 0xA0, 0x80],        // encoded surrogate
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0x61, 0xE2, 0x82],        // cut short at the end of the string
    ] as [[UInt8]])
    func invalidUTF8InAStringIsItsOwnKind(_ inner: [UInt8]) {
        let error = parseError([0x22] + inner + [0x22])
        #expect(error?.kind == .invalidUTF8)
        #expect(error?.offset == 1, "points at the start of the string's content")
    }

    @Test func invalidUTF8AfterAnEscapeIsStillInvalidUTF8() {
        #expect(parseError([0x22, 0x5C, 0x6E, 0xFF, 0x22])?.kind == .invalidUTF8)
    }

    @Test func invalidUTF8InAKeyIsInvalidUTF8() {
        let bytes: [UInt8] = Array("{\"".utf8) + [0xC3, 0x28] + Array("\":1}".utf8)
        #expect(parseError(bytes)?.kind == .invalidUTF8)
    }

    @Test func theDescriptionNamesTheByte() {
        #expect(parseError([0x22, 0x61, 0xFF, 0x22])?.description == "invalid UTF-8 at byte 2")
    }

    // MARK: Structure errors

    @Test(arguments: [
        ("{} {}", 3), ("1 2", 2), ("[1]]", 3), ("truex", 4), ("\"a\"\"b\"", 3), ("01", 1), ("{}\u{0}", 2),
    ])
    func trailingDataIsReportedWhereItStarts(_ text: String, _ offset: Int) {
        let error = parseError(text)
        #expect(error?.kind == .trailingData)
        #expect(error?.offset == offset)
    }

    @Test(arguments: ["", "   ", "[", "[1,", "{", #"{"a""#, #"{"a":"#, #""abc"#, "tru", "nul"])
    func truncatedInputIsUnexpectedEnd(_ text: String) {
        #expect(parseError(text)?.kind == .unexpectedEnd)
    }

    @Test(arguments: [
        (#"{"a" 1}"#, UInt8(ascii: "1")), (#"{"a":1,}"#, UInt8(ascii: "}")), ("{a:1}", UInt8(ascii: "a")),
        ("[1,]", UInt8(ascii: "]")), ("[1 2]", UInt8(ascii: "2")), ("nope", UInt8(ascii: "o")), ("trUe", UInt8(ascii: "U")),
        ("NaN", UInt8(ascii: "N")), ("+1", UInt8(ascii: "+")), (".5", UInt8(ascii: ".")), ("'a'", UInt8(ascii: "'")),
    ])
    func unexpectedCharacters(_ text: String, _ byte: UInt8) {
        #expect(parseError(text)?.kind == .unexpectedCharacter(byte))
    }

    @Test(arguments: ["-", "-a", "1.", "1.e5", "1e", "1e+", "1E-", "-.5", "[1.]", "[-]", #"{"n":2.}"#])
    func badNumbersAreInvalidNumber(_ text: String) {
        #expect(parseError(text)?.kind == .invalidNumber)
    }

    @Test func aLeadingZeroIsNotFollowedByDigits() {
        // `01` is not a number: the parser reads `0` and then finds stray data.
        #expect(parseError("[01]")?.kind == .unexpectedCharacter(UInt8(ascii: "1")))
    }

    // MARK: Depth

    @Test func depthUpToTheLimitParses() throws {
        _ = try JSONParser.parse(nested(128, open: "[", close: "]"))
        _ = try JSONParser.parse(String(repeating: "{\"k\":", count: 128) + "1" + String(repeating: "}", count: 128))
    }

    @Test func deeperThanTheLimitIsTooDeep() {
        #expect(parseError(nested(129, open: "[", close: "]"))?.kind == .tooDeep)
        #expect(parseError(String(repeating: "{\"k\":", count: 129) + "1" + String(repeating: "}", count: 129))?.kind == .tooDeep)
        #expect(parseError(String(repeating: "[", count: 100_000))?.kind == .tooDeep, "no stack overflow on hostile input")
    }

    @Test func depthIsCountedPerPathNotPerDocument() throws {
        // Many siblings at depth 100 never add up to a deep document.
        let branch = nested(100, open: "[", close: "]")
        _ = try JSONParser.parse("[" + Array(repeating: branch, count: 50).joined(separator: ",") + "]")
    }
}
