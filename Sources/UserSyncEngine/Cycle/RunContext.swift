import Logging

/// The id of the cycle being run, carried by the task tree so that every log line a cycle
/// causes (dispatchers, adapters, child tasks) says `run=` without threading it by hand.
public enum RunContext {
    @TaskLocal public static var runID: String?

    public static let metadataProvider = Logger.MetadataProvider {
        guard let id = RunContext.runID else { return [:] }
        return ["run": "\(id)"]
    }

    static func newID() -> String {
        String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }
}
