import Foundation
import Testing
import UserSyncSandbox

@Suite("SandboxJSON")
struct SandboxJSONTests {
    @Test("parses every JSON type and serialises with sorted keys")
    func roundTrip() throws {
        let text = #"{"f":{"g":"h"},"a":1,"b":2.5,"c":true,"d":null,"e":[1,"x",false],"q":"say \"hi\"\n\u0001"}"#
        let value = try SandboxJSON.parse(text)
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .double(2.5))
        #expect(value["c"] == .bool(true))
        #expect(value["d"] == .null)
        #expect(value["e"]?[1] == "x")
        #expect(value["e"]?[2] == .bool(false))
        #expect(value.serialized() == #"{"a":1,"b":2.5,"c":true,"d":null,"e":[1,"x",false],"f":{"g":"h"},"q":"say \"hi\"\n\u0001"}"#)
        #expect(try SandboxJSON.parse(value.serialized()) == value)
    }

    @Test("invalid JSON throws")
    func invalid() {
        #expect(throws: (any Error).self) { try SandboxJSON.parse("{\"a\": ") }
    }
}
