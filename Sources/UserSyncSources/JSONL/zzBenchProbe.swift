// TEMPORARY benchmark probe — to be deleted.
import UserSyncCore
public enum InputFileProbe {
    public static func sequential(path: String, _ body: (SourceItem) throws -> Void) throws {
        try JSONLSource(path: path).readSequentially(body)
    }
}
