import Foundation

/// Relative paths in the config file are relative to a directory (the config file's, or
/// `$CREDENTIALS_DIRECTORY` for secret files), never to the working directory.
enum PathResolution {
    static func absolute(_ path: String, against directory: String) -> String {
        let base = directory.hasPrefix("/") ? directory : currentDirectory() + "/" + directory
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        return normalized(joined)
    }

    /// The directory that holds `file` (made absolute against the working directory).
    static func directory(of file: String) -> String {
        let absoluteFile = file.hasPrefix("/") ? file : currentDirectory() + "/" + file
        let normalizedFile = normalized(absoluteFile)
        guard let slash = normalizedFile.lastIndex(of: "/"), slash != normalizedFile.startIndex else { return "/" }
        return String(normalizedFile[..<slash])
    }

    /// Removes `.`, `..` and repeated slashes without touching the filesystem (no symlink resolution).
    static func normalized(_ absolute: String) -> String {
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    private static func currentDirectory() -> String {
        FileManager.default.currentDirectoryPath
    }
}
