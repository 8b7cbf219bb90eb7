import Foundation
import Testing
@testable import UserSyncDaemon

/// POSIX record locks belong to a process, so a second lock from this same process would
/// succeed: "another process holds it" is tested end to end with the real binary
/// (UsersyncCLITests, DaemonInstanceTests). Here: what one process can observe.
@Suite("Instance lock")
struct InstanceLockTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usersync-lock-\(UUID().uuidString)")

    @Test func takingTheLockWritesThePidBesideTheState() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        // Given a state path whose directory does not exist yet
        let state = directory.appendingPathComponent("nested/state.db").path
        // When the lock is taken
        let lock = try InstanceLock(statePath: state)
        // Then the directory is created private, and the lock file names this process
        #expect(lock.path == state + ".lock")
        let attributes = try FileManager.default.attributesOfItem(atPath: (state as NSString).deletingLastPathComponent)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        #expect(try String(contentsOfFile: lock.path, encoding: .utf8) == "\(getpid())\n")
        let fileMode = try FileManager.default.attributesOfItem(atPath: lock.path)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        withExtendedLifetime(lock) {}
    }

    @Test func aStalePidFromACrashedRunIsOverwritten() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let state = directory.appendingPathComponent("state.db").path
        // A previous run died (kill -9): its file remains, its lock is gone with it.
        try "999999999\nleftover\n".write(toFile: state + ".lock", atomically: true, encoding: .utf8)
        #expect(InstanceLock.holderPID(statePath: state) == nil)
        let lock = try InstanceLock(statePath: state)
        #expect(try String(contentsOfFile: lock.path, encoding: .utf8) == "\(getpid())\n")
        withExtendedLifetime(lock) {}
    }

    @Test func noLockFileMeansNoHolder() {
        #expect(InstanceLock.holderPID(statePath: directory.appendingPathComponent("none.db").path) == nil)
    }

    @Test func releasedWhenTheHolderGoesAway() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state.db").path
        do {
            let lock = try InstanceLock(statePath: state)
            withExtendedLifetime(lock) {}
        }
        // The lock of a released holder can be taken again at once.
        let again = try InstanceLock(statePath: state)
        withExtendedLifetime(again) {}
    }

    @Test func heldErrorNamesThePidAndWhatToDo() {
        let held = InstanceLock.Held(statePath: "/var/lib/usersync/state.db", pid: 4242)
        #expect(held.description.contains("pid 4242"))
        #expect(held.description.contains("/var/lib/usersync/state.db"))
        #expect(held.description.contains("stop it first"))
        #expect(InstanceLock.Held(statePath: "/s.db", pid: nil).description.contains("another usersync is already running"))
    }
}
