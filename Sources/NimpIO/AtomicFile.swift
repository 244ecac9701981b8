import Foundation
import NimpCore

/// Crash-safe file replacement: write a temporary file in the same directory, fsync
/// it, rename it over the target, fsync the directory. A kill at any point leaves
/// either the old file or the new one, never a mix; temporaries are named
/// by `TemporaryName`, so `cleanTemporaries` can remove the leftovers of dead writers.
public enum AtomicFile {
    /// Replaces (or creates) `path` with `data`. `failpoint` prefixes the step names
    /// (`NAME.create`, `NAME.write`, `NAME.fsync`, `NAME.rename`, `NAME.fsync-dir`).
    /// With `exclusive`, fails with exit 73 when `path` already exists (archives are
    /// never overwritten).
    /// `cleanStale: false` skips looking for a dead writer's temporary of this file, for a
    /// caller that writes many files into one directory and cleaned it once itself (each
    /// look reads the whole directory).
    public static func write(_ data: Data, to path: String, failpoint: String = "atomic", exclusive: Bool = false, mode: mode_t = 0o644,
                             cleanStale: Bool = true) throws {
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG, (st.st_mode & S_IFMT) != S_IFDIR {
            // /dev/null, a FIFO, /dev/stdout: there is nothing to replace, just write.
            return try writeInPlace(data, to: path)
        }
        try write(to: path, failpoint: failpoint, exclusive: exclusive, mode: mode, cleanStale: cleanStale) { fd in try writeAll(data, to: fd, path: path) }
    }

    /// As `write(_:to:)`, with `fill` writing the contents into the temporary file's
    /// descriptor (a stream too large to hold in memory).
    public static func write(to path: String, failpoint: String, exclusive: Bool = false, mode: mode_t = 0o644, cleanStale: Bool = true,
                             fill: (Int32) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = TemporaryName.make(for: path)
        // A writer killed before its rename (`train -o` outside a registry) left its
        // temporary here: the next write of the same file removes it.
        if cleanStale { removeStaleTemporaries(of: url.lastPathComponent, in: dir) }
        try Failpoint.hit(failpoint + ".create", file: tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let e = errno
            throw NimpError(e == ENOENT ? .cannotCreate : (e == ENOSPC || e == EIO ? .ioError : .cannotCreate),
                            "\(path): cannot create file: \(String(cString: strerror(e)))")
        }
        var closed = false
        var done = false
        defer {
            if !closed { close(fd) }
            if !done { unlink(tmp) }
        }
        try Failpoint.hit(failpoint + ".write", file: tmp)
        try fill(fd)
        try Failpoint.hit(failpoint + ".fsync", file: tmp)
        guard fsync(fd) == 0 else { throw NimpError.io(path, "fsync failed: \(String(cString: strerror(errno)))") }
        close(fd)
        closed = true
        try Failpoint.hit(failpoint + ".rename", file: path)
        if exclusive {
            // link(2) fails if the target exists: no archive is ever replaced.
            guard link(tmp, path) == 0 || isSameFile(tmp, path) else {
                let e = errno
                throw NimpError(e == EEXIST ? .cannotCreate : .ioError, "\(path): cannot create: \(String(cString: strerror(e)))")
            }
            unlink(tmp)
        } else {
            guard rename(tmp, path) == 0 else { throw NimpError.io(path, "rename failed: \(String(cString: strerror(errno)))") }
        }
        done = true
        try Failpoint.hit(failpoint + ".fsync-dir", file: dir)
        try syncDirectory(dir)
    }

    /// Whether a failed link(2) made the link after all: over NFS a retransmitted link
    /// can report EEXIST for its own success (open(2), "O_EXCL"). Keeps errno.
    static func isSameFile(_ a: String, _ b: String) -> Bool {
        let e = errno
        defer { errno = e }
        var sa = stat(), sb = stat()
        return e == EEXIST && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    static func writeInPlace(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NimpError.cannotCreate(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeAll(data, to: fd, path: path)
    }

    /// write(2) until every byte is out, retrying on EINTR.
    public static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw NimpError.io(path, "write failed: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    /// Creates `path`, which must not exist, with `data`, without an fsync: for files that
    /// count only once a later atomic write commits them, after `syncFileSystem`. Steps
    /// `NAME.create`, `NAME.write`; a failed write leaves no file.
    public static func createNew(_ data: Data, at path: String, failpoint: String) throws {
        try Failpoint.hit(failpoint + ".create", file: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            throw NimpError(e == ENOSPC || e == EIO ? .ioError : .cannotCreate, "\(path): cannot create file: \(String(cString: strerror(e)))")
        }
        do {
            try Failpoint.hit(failpoint + ".write", file: path)
            try writeAll(data, to: fd, path: path)
            close(fd)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
    }

    /// Flushes every file written on the file system that holds `path` (syncfs(2)): one
    /// call in place of an fsync per file created with `createNew`. Step `NAME`.
    public static func syncFileSystem(of path: String, failpoint: String) throws {
        try Failpoint.hit(failpoint, file: path)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NimpError.io(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard linuxSyncfs(fd) == 0 else { throw NimpError.io(path, "syncfs failed: \(String(cString: strerror(errno)))") }
    }

    /// fsyncs a directory so a rename in it survives a power loss.
    public static func syncDirectory(_ dir: String) throws {
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw NimpError.io(dir, "cannot open directory: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw NimpError.io(dir, "fsync failed: \(String(cString: strerror(errno)))") }
    }

    /// Removes the temporaries of `name` in `dir` whose writer is gone (`TemporaryName`).
    static func removeStaleTemporaries(of name: String, in dir: String) {
        for candidate in names(in: dir, startingWith: "." + name + ".tmp-") where TemporaryName.writerIsGone(candidate, in: dir) {
            unlink(dir + "/" + candidate)
        }
    }

    /// The names in `dir` that start with `prefix` (none when it cannot be read), compared
    /// as bytes: a results directory of a large cycle holds tens of thousands of names.
    public static func names(in dir: String, startingWith prefix: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        let want = Array(prefix.utf8CString.dropLast())
        var found: [String] = []
        while let entry = readdir(d) {
            let matches = withUnsafeBytes(of: &entry.pointee.d_name) { raw -> Bool in
                let name = raw.bindMemory(to: CChar.self)
                guard want.count < name.count else { return false }
                for i in want.indices where name[i] != want[i] { return false }
                return true
            }
            if matches {
                found.append(withUnsafeBytes(of: &entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) })
            }
        }
        return found
    }

    /// Removes temporaries whose writer is gone; returns their names.
    @discardableResult
    public static func cleanTemporaries(in dir: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var removed: [String] = []
        for name in names where TemporaryName.isTemporary(name) && TemporaryName.writerIsGone(name, in: dir) {
            if unlink(dir + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }
}

/// Checks made on an output path before any work, so a long run never ends in "cannot
/// create": the directory must exist and be writable, and the path must not be a directory.
public enum OutputPath {
    public static func check(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw NimpError(.cannotCreate, "\(path): is a directory; expected a file path to write")
        }
        // Not NSString.deletingLastPathComponent: it crashes on one-character paths (`-o m`).
        let parent = path.contains("/") ? URL(fileURLWithPath: path).deletingLastPathComponent().path : "."
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) else {
            throw NimpError(.cannotCreate, "\(path): cannot create: the directory \(parent) does not exist")
        }
        guard isDirectory.boolValue else { throw NimpError(.cannotCreate, "\(path): cannot create: \(parent) is not a directory") }
        guard access(parent, W_OK) == 0 else {
            throw NimpError(.cannotCreate, "\(path): cannot create: the directory \(parent) is not writable (\(String(cString: strerror(errno))))")
        }
    }
}

/// syncfs(2): glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not set.
@_silgen_name("syncfs")
private func linuxSyncfs(_ fd: Int32) -> Int32
