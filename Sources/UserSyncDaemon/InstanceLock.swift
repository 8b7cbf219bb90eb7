import Foundation

/// Makes sure one process at a time works on a state database: a POSIX record lock on
/// `<state>.lock`, which also tells `usersync status` the running daemon's pid. The kernel
/// drops the lock when the process dies, even by `kill -9`, so a crash never leaves it stale.
public final class InstanceLock: Sendable {
    public let path: String
    private let fd: Int32

    public struct Held: Error, Sendable, CustomStringConvertible {
        public let statePath: String
        public let pid: Int32?
        public var description: String {
            let who = pid.map { "another usersync (pid \($0))" } ?? "another usersync"
            return "\(who) is already running on the state \(statePath); stop it first (systemctl stop usersync)"
        }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Takes the lock or throws `Held` naming the holder's pid.
    public init(statePath: String) throws {
        path = statePath + ".lock"
        let directory = (statePath as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        var lock = Self.writeLock()
        if fcntl(fd, F_SETLK, &lock) != 0 {
            let holder = Self.holder(fd: fd)
            close(fd)
            throw Held(statePath: statePath, pid: holder)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        close(fd)
    }

    /// The pid of the process holding the lock on this state, or nil when none does.
    public static func holderPID(statePath: String) -> Int32? {
        let fd = open(statePath + ".lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return holder(fd: fd)
    }

    private static func holder(fd: Int32) -> Int32? {
        var lock = writeLock()
        guard fcntl(fd, F_GETLK, &lock) == 0, lock.l_type != Int16(F_UNLCK) else { return nil }
        return lock.l_pid
    }

    private static func writeLock() -> flock {
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        return lock
    }
}
