import Foundation

/// Whether the state database can live at a path, for this user: checked when the config is
/// read, so that `check` (an `ExecStartPre=`) stops a service that would only fail at start,
/// again and again, in a restart loop.
enum StatePathRule {
    /// Why the path cannot be used, or nil. Missing directories are fine when the nearest
    /// existing one is writable (usersync creates the rest).
    static func problem(with path: String) -> String? {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return "\(path) is a directory; give the path of the database file inside it" }
            if access(path, R_OK | W_OK) != 0 { return "\(path) exists but this user (uid \(getuid())) cannot read and write it" }
        }
        var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
        while true {
            let candidate = ancestor.path
            if fm.fileExists(atPath: candidate, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return "\(candidate) is a file, not a directory: the state cannot be created under it" }
                if access(candidate, W_OK | X_OK) != 0 {
                    return "directory \(candidate) is not writable by this user (uid \(getuid())); create it for the service user (StateDirectory= does)"
                }
                return nil
            }
            let parent = ancestor.deletingLastPathComponent()
            if parent.path == candidate { return nil }
            ancestor = parent
        }
    }
}
