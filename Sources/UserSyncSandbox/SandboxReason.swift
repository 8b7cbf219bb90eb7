import NIOHTTP1

enum SandboxReason {
    /// The standard reason phrase, e.g. "Too Many Requests".
    static func phrase(_ status: Int) -> String {
        let phrase = HTTPResponseStatus(statusCode: status).reasonPhrase
        return phrase.isEmpty ? "Error" : phrase
    }
}
