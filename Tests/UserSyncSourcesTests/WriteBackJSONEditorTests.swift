import Testing
import UserSyncCore
@testable import UserSyncSources

/// The byte splicing behind `write_back: rewrite` and awkward SQLite metadata keys.
@Suite("Write-back JSON object editing")
struct WriteBackJSONEditorTests {
    private func edited(_ text: String, _ body: (inout JSONObjectEditor) -> Void) throws -> String {
        var editor = try #require(JSONObjectEditor(Array(text.utf8)))
        body(&editor)
        let result = String(decoding: editor.bytes, as: UTF8.self)
        #expect((try? JSONParser.parse(result)) != nil, "still valid JSON: \(result)")
        return result
    }

    @Test("set replaces only the value's bytes, or appends with the object's own separators")
    func set() throws {
        #expect(try edited(#"{"a": 1, "b": [1, {"c": "}"}], "d": "x"}"#) { $0.set("b", to: Array("2".utf8)) }
            == #"{"a": 1, "b": 2, "d": "x"}"#)
        #expect(try edited("{\n  \"a\": 1,\n  \"b\": 2\n}") { $0.set("c", to: Array("3".utf8)) } == "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}")
        #expect(try edited(" { } ") { $0.set("k", to: Array("true".utf8)) } == #" { "k":true} "#)
        #expect(try edited(#"{"a":1,"a":2}"#) { $0.set("a", to: Array("3".utf8)) } == #"{"a":1,"a":3}"#)
        #expect(try edited(#"{"caf\u00e9":1}"#) { $0.set("café", to: Array("2".utf8)) } == #"{"caf\u00e9":2}"#)
        #expect(try edited(#"{"a":1}"#) { $0.set(#"q"\"#, to: Array("2".utf8)) } == #"{"a":1,"q\"\\":2}"#)
    }

    @Test("remove takes out the member and one comma, wherever it is, every occurrence")
    func remove() throws {
        #expect(try edited(#"{"a": 1, "b": 2, "c": 3}"#) { $0.remove("a") } == #"{"b": 2, "c": 3}"#)
        #expect(try edited(#"{"a": 1, "b": 2, "c": 3}"#) { $0.remove("b") } == #"{"a": 1, "c": 3}"#)
        #expect(try edited(#"{"a": 1, "b": 2, "c": 3}"#) { $0.remove("c") } == #"{"a": 1, "b": 2}"#)
        #expect(try edited(#"{ "a": 1 }"#) { $0.remove("a") } == "{  }")
        #expect(try edited(#"{"a":1,"b":2,"a":3}"#) { $0.remove("a") } == #"{"b":2}"#)
        #expect(try edited(#"{"a":1}"#) { $0.remove("zz") } == #"{"a":1}"#)
    }

    @Test("metadata held as text: blank means {}, anything but an object is refused")
    func objectText() {
        #expect(JSONObjectEditor.editing(objectText: "", key: "k", value: 1) == #"{"k":1}"#)
        #expect(JSONObjectEditor.editing(objectText: " ", key: "k", value: nil) == "{}")
        #expect(JSONObjectEditor.editing(objectText: #"{"k": 1, "j": 2}"#, key: "k", value: nil) == #"{"j": 2}"#)
        #expect(JSONObjectEditor.editing(objectText: "[1]", key: "k", value: 1) == nil)
        #expect(JSONObjectEditor.editing(objectText: "{oops", key: "k", value: 1) == nil)
        #expect(JSONObjectEditor(Array("[]".utf8)) == nil)
    }

    @Test("SQLite paths are used only for keys they name exactly")
    func pathSafety() throws {
        #expect(SQLiteTableWriteBack.isPathSafe("plan"))
        #expect(SQLiteTableWriteBack.isPathSafe("a.b[0] é"))
        #expect(!SQLiteTableWriteBack.isPathSafe(#"say "hi""#))
        #expect(!SQLiteTableWriteBack.isPathSafe(#"back\slash"#))
        #expect(!SQLiteTableWriteBack.isPathSafe("tab\there"))
        let object = try #require(JSONObjectEditor(Array(#"{"caf\u00e9": 1, "plan": 2, "d": 1, "d": 2}"#.utf8)))
        #expect(object.holdsKeyLiterally("plan"))
        #expect(object.holdsKeyLiterally("absent"))
        #expect(!object.holdsKeyLiterally("café"))
        #expect(!object.holdsKeyLiterally("d"))
    }

    @Test("ISO 8601 times with milliseconds, before and after 1970")
    func isoTime() {
        #expect(ISO8601Time.string(0) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601Time.string(1_795_397_642.123) == "2026-11-23T01:34:02.123Z")
        #expect(ISO8601Time.string(-0.5) == "1969-12-31T23:59:59.500Z")
    }
}
