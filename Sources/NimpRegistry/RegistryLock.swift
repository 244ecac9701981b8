import Foundation
import NimpCore
import NimpIO

/// Who holds (or last held) the registry lock, as recorded in the `lock` file.
public struct LockHolder: Codable, Equatable, Sendable {
    public var pid: Int32
    public var host: String
    public var started: String
    public var command: String

    public init(pid: Int32, host: String, started: Date, command: String) {
        self.pid = pid
        self.host = host
        self.started = RegistryTime.string(started)
        self.command = command
    }

    /// Whether the holder process still runs (only knowable on this host).
    public var isAlive: Bool? {
        guard pid > 0, host == LockHolder.hostName else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    public var summary: String {
        "pid \(pid) on \(host) since \(started) (\(command))"
    }

    public static let hostName: String = ProcessInfo.processInfo.hostName

    /// The process's own command line, e.g. `nimp registry promote sine 3`.
    public static var currentCommand: String {
        CommandLine.arguments.enumerated().map { $0.offset == 0 ? (URL(fileURLWithPath: $0.element).lastPathComponent) : $0.element }
            .joined(separator: " ")
    }
}

/// The writers' lock: an exclusive `flock(2)` on REGISTRY/lock, which records the
/// holder (pid, host, start time, command) while held and is emptied on release.
///
/// The kernel releases a flock when its holder dies, however it dies, so a lock is
/// never stuck; a non-empty `lock` file found when the flock is free means the last
/// holder died holding it: that takeover is logged in history. Locks nest within one
/// process (the cycle holds it and calls `promote`). Readers never take it.
public final class RegistryLock: @unchecked Sendable {
    nonisolated(unsafe) private static var held: [String: (fd: Int32, depth: Int)] = [:]
    private static let mutex = NSLock()

    /// How long to sleep between attempts while waiting.
    static let pollInterval: TimeInterval = 0.02

    /// Runs `body` holding the lock of the registry at `layout`. With `wait` 0 a held
    /// lock fails at once with exit 75; otherwise waits up to `wait` seconds.
    /// `onAcquire` runs once the lock is taken (not when nested), with the previous
    /// holder when it died without releasing the lock.
    public static func withLock<T>(_ layout: RegistryLayout, wait: TimeInterval, onAcquire: (LockHolder?) throws -> Void,
                                   _ body: () throws -> T) throws -> T
    {
        let key = canonical(layout.lock)
        mutex.lock()
        if let entry = held[key] {
            held[key] = (entry.fd, entry.depth + 1)
            mutex.unlock()
            defer { release(key) }
            return try body()
        }
        mutex.unlock()
        let (fd, previous) = try acquire(layout.lock, wait: wait)
        mutex.lock()
        held[key] = (fd, 1)
        mutex.unlock()
        defer { release(key) }
        try onAcquire(previous)
        return try body()
    }

    /// Whether this process holds the lock of `layout`.
    public static func isHeld(_ layout: RegistryLayout) -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        return held[canonical(layout.lock)] != nil
    }

    /// Reads the recorded holder without taking the lock; nil when free or unreadable.
    public static func holder(_ layout: RegistryLayout) -> LockHolder? {
        guard let data = FileManager.default.contents(atPath: layout.lock), !data.isEmpty else { return nil }
        return try? JSONCoding.decode(LockHolder.self, from: data, file: layout.lock)
    }

    private static func acquire(_ path: String, wait: TimeInterval) throws -> (Int32, LockHolder?) {
        try Failpoint.hit("lock.open", file: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            throw NimpError(e == ENOENT || e == EACCES || e == EROFS ? .cannotCreate : .ioError,
                            "\(path): cannot open the registry lock: \(String(cString: strerror(e)))")
        }
        let deadline = Date().addingTimeInterval(max(0, wait))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            guard e == EWOULDBLOCK || e == EINTR else {
                close(fd)
                throw NimpError.io(path, "cannot lock: \(String(cString: strerror(e)))")
            }
            if Date() >= deadline {
                close(fd)
                throw heldError(path, waited: wait)
            }
            Thread.sleep(forTimeInterval: pollInterval)
        }
        // We hold the flock: whatever the file still names died holding it.
        let previous = readHolder(fd)
        let me = LockHolder(pid: getpid(), host: LockHolder.hostName, started: Date(), command: LockHolder.currentCommand)
        do {
            try Failpoint.hit("lock.record", file: path)
            try record(me, fd: fd, path: path)
        } catch {
            _ = flock(fd, LOCK_UN)
            close(fd)
            throw error
        }
        let died = previous.flatMap { $0.pid == getpid() && $0.host == LockHolder.hostName ? nil : $0 }
        return (fd, died)
    }

    private static func heldError(_ path: String, waited: TimeInterval) -> NimpError {
        let holder = (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { try? JSONCoding.decode(LockHolder.self, from: $0, file: path) }
        let who = holder.map { "by \($0.summary)" } ?? "by another process"
        let waitedText = waited > 0 ? " after waiting \(formatSeconds(waited)) s" : ""
        return NimpError(.tempFail, "\(path): the registry is locked \(who)\(waitedText)",
                         hint: "another nimp command is writing this registry; try again later")
    }

    static func formatSeconds(_ s: TimeInterval) -> String {
        s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
    }

    private static func readHolder(_ fd: Int32) -> LockHolder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let data = Data(buffer[0..<n])
        if let holder = try? JSONCoding.decode(LockHolder.self, from: data, file: "lock") { return holder }
        // Unreadable (torn) record: still a holder that did not release.
        return LockHolder(pid: 0, host: "?", started: Date(timeIntervalSince1970: 0), command: "unreadable lock record")
    }

    private static func record(_ holder: LockHolder, fd: Int32, path: String) throws {
        // The flock belongs to this inode, so the record is rewritten in place.
        let bytes = Array((try JSONCoding.line(holder) + "\n").utf8)
        guard ftruncate(fd, 0) == 0 else { throw NimpError.io(path, "cannot write lock record: \(String(cString: strerror(errno)))") }
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard n == bytes.count else { throw NimpError.io(path, "cannot write lock record: \(String(cString: strerror(errno)))") }
    }

    private static func release(_ key: String) {
        mutex.lock()
        defer { mutex.unlock() }
        guard let entry = held[key] else { return }
        if entry.depth > 1 {
            held[key] = (entry.fd, entry.depth - 1)
            return
        }
        held[key] = nil
        // An empty record means "released cleanly".
        _ = ftruncate(entry.fd, 0)
        _ = flock(entry.fd, LOCK_UN)
        close(entry.fd)
    }

    private static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
