import Foundation
import UserSyncCore
import UserSyncSandbox

extension JSONValue {
    /// The same value as the sandbox stores it (parsed from the text an adapter would send).
    public var sandboxJSON: SandboxJSON {
        // Canonical text is always valid JSON.
        try! SandboxJSON.parse(Data(canonicalText.utf8))
    }
}

extension SandboxJSON {
    /// The same value in the engine's vocabulary.
    public var jsonValue: JSONValue {
        try! JSONParser.parse(serialized())
    }
}
