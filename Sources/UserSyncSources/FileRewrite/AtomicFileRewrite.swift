#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file's content atomically: the original with some byte ranges replaced
/// (`Splice`) goes to a temporary file in the same directory, which gets the original's
/// owner, group, mode and POSIX ACL, is `fsync`ed, and is `rename(2)`d over the original. Readers see the old file or the new
/// one, never a mix; a crash leaves the old file (and at worst a stray `.…usersync-….tmp`).
///
/// A symbolic link is followed: the file it points to is replaced, the link stays.
///
/// If the original changes while it is being rewritten (its device, inode, size,
/// modification or status-change time differ from when it was opened), nothing is
/// replaced and `rewrite` throws: the caller retries on the next cycle. An edit that keeps
/// the size and lands within the file system's timestamp granularity of the start, in
/// the instant between the last check and the rename, cannot be detected this way.
///
/// When the new file cannot be given the original's owner and group (not running as root,
/// or not their owner and member), nothing is replaced and `rewrite` throws, rather than
/// leave the operator's application facing a file it may no longer read.
enum AtomicFileRewrite {
    /// Called after the new content is durable and just before the last check, with the
    /// path being replaced. Tests use it to change the file underneath.
    typealias Hook = @Sendable (String) -> Void

    private static let aclAttribute = "system.posix_acl_access"

    /// Rewrites `path` with the splices `edits` finds in it (sorted, not overlapping) and puts
    /// it in place. When there are none, the original is left untouched and no file is
    /// created. Returns whether the file was replaced.
    @discardableResult
    static func rewrite(
        path: String, beforeCommit: Hook? = nil, _ edits: (borrowing InputFile) throws -> [Splice]
    ) throws(SourceError) -> Bool {
        let target = try resolve(path)
        let input = try InputFile(path: target)
        let initial = try input.status()
        var info = stat()
        guard stat(target, &info) == 0 else { throw SourceError(.cannotOpen(errno: errno), path: path) }
        guard FileStatus(info) == initial else { throw changed(path) }
        let splices: [Splice]
        do {
            splices = try edits(input)
        } catch let error as SourceError {
            throw error
        } catch {
            throw SourceError(.cannotWrite("\(error)"), path: path)
        }
        guard !splices.isEmpty else { return false }

        let directory = OutputFile.directory(of: target)
        let temporary = directory + "/." + OutputFile.baseName(of: target) + ".usersync-"
            + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".tmp"
        var output = try OutputFile(
            path: temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600, what: "a temporary file beside")
        do throws(SourceError) {
            try copyAttributes(from: info, original: target, to: output.descriptor, reportedAs: path)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: InputFile.chunkSize, alignment: 16)
            defer { buffer.deallocate() }
            var copied = 0
            for splice in splices {
                try copy(input, from: copied, to: splice.range.lowerBound, into: &output, through: buffer)
                try output.write(splice.bytes)
                copied = splice.range.upperBound
            }
            try copy(input, from: copied, to: .max, into: &output, through: buffer)
            try output.sync()
            beforeCommit?(target)
            guard try FileStatus.of(path: target) == initial else { throw changed(path) }
            guard rename(temporary, target) == 0 else {
                throw OutputFile.error(what: "cannot rename the rewritten file over \(target)", errno: errno, path: path)
            }
        } catch {
            unlink(temporary)
            throw error
        }
        OutputFile.syncDirectory(directory)
        return true
    }

    /// Copies the bytes of `input` from `start` up to `end` (or its end) into `output`.
    private static func copy(
        _ input: borrowing InputFile, from start: Int, to end: Int, into output: inout OutputFile,
        through buffer: UnsafeMutableRawBufferPointer
    ) throws(SourceError) {
        var offset = start
        while offset < end {
            let count = try input.read(into: .init(rebasing: buffer[0..<min(buffer.count, end - offset)]), at: offset)
            if count == 0 { return }
            try output.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]).assumingMemoryBound(to: UInt8.self))
            offset += count
        }
    }

    private static func changed(_ path: String) -> SourceError {
        SourceError(.cannotWrite("the file changed while it was being rewritten; the changes are kept for the next cycle"), path: path)
    }

    /// The real path of `path`, symbolic links resolved.
    private static func resolve(_ path: String) throws(SourceError) -> String {
        guard let resolved = realpath(path, nil) else { throw SourceError(.cannotOpen(errno: errno), path: path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Owner and group first (changing them may clear set-id bits), then the mode, then the ACL.
    private static func copyAttributes(
        from info: stat, original: String, to descriptor: Int32, reportedAs path: String
    ) throws(SourceError) {
        if info.st_uid != geteuid() || info.st_gid != getegid() {
            if fchown(descriptor, info.st_uid, info.st_gid) != 0 {
                let code = errno
                throw SourceError(
                    .cannotWrite(
                        "cannot give the rewritten file the original's owner \(info.st_uid):\(info.st_gid) (\(SystemError.message(code))); run as that owner, or use write_back: inbound"),
                    path: path)
            }
        }
        guard fchmod(descriptor, info.st_mode & 0o7777) == 0 else {
            throw OutputFile.error(what: "cannot set the rewritten file's mode", errno: errno, path: path)
        }
        guard let xattr = ExtendedAttributes.shared else { return }
        let size = xattr.get(original, aclAttribute, nil, 0)
        guard size > 0 else { return }  // no ACL (ENODATA), or no extended attributes here
        var value = [UInt8](repeating: 0, count: size)
        let got = xattr.get(original, aclAttribute, &value, size)
        guard got > 0 else { return }
        guard xattr.fset(descriptor, aclAttribute, value, got, 0) == 0 else {
            throw OutputFile.error(what: "cannot copy the original's access control list", errno: errno, path: path)
        }
    }
}
