import Foundation
import NimpCore
import NimpIO

/// Who holds (or last held) the registry lock, as recorded in the `lock` file.
public struct LockHolder: Codable, Equatable, Sendable {
    public var pid: Int32
    public var host: String
    public var started: String
    public var command: String
    /// When the holder's lease ends unless it renews it (it does while it holds the
    /// lock). Nil in records of older versions.
    public var expires: String?

    public init(pid: Int32, host: String, started: Date, command: String, expires: Date? = nil) {
        self.pid = pid
        self.host = host
        self.started = RegistryTime.string(started)
        self.command = command
        self.expires = expires.map(RegistryTime.string)
    }

    /// Whether the holder still runs: on this host, whether its pid does; on another,
    /// whether its lease runs (nil when it recorded none).
    public var isAlive: Bool? {
        guard pid > 0 else { return nil }
        if host == LockHolder.hostName { return LockHolder.processRuns(pid) }
        return leaseRuns(at: Date())
    }

    /// Whether process `pid` of this host runs. A zombie (killed, not yet reaped by its
    /// parent) does not: its lock is already gone.
    static func processRuns(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[close...].dropFirst(2).first != "Z"
    }

    func leaseRuns(at now: Date) -> Bool? {
        expires.flatMap(RegistryTime.parse).map { now < $0 }
    }

    public var summary: String {
        "pid \(pid) on \(host) since \(started) (\(command))"
    }

    /// This host's name in lock records (`ThisHost`).
    public static var hostName: String { ThisHost.name }

    /// The process's own command line, e.g. `nimp registry promote sine 3`.
    public static var currentCommand: String {
        CommandLine.arguments.enumerated().map { $0.offset == 0 ? (URL(fileURLWithPath: $0.element).lastPathComponent) : $0.element }
            .joined(separator: " ")
    }
}

/// The writers' lock: an exclusive POSIX record lock (`fcntl`) on REGISTRY/lock, which
/// records the holder (pid, host, start time, command, lease expiry) while held and is
/// emptied on release. README, "The registry on shared storage", says why fcntl and
/// not flock, and what the lease is for.
///
/// The kernel releases the lock when its holder dies, however it dies, so a lock is
/// never stuck; a record found when the lock is free names a holder that died holding
/// it (or, on a mount that does not lock across hosts, one that may still run: see
/// `judge`). A takeover is logged in history. Locks nest within one process (the cycle
/// holds it and calls `promote`). Readers never take it.
public final class RegistryLock: @unchecked Sendable {
    /// A lock this process holds. Guarded by `mutex`, like `held`.
    private final class Holding: @unchecked Sendable {
        let fd: Int32
        let ofd: Bool
        let path: String
        var record: LockHolder
        var depth = 1
        var renewal: DispatchSourceTimer?
        var renewalFailed = false

        init(fd: Int32, ofd: Bool, path: String, record: LockHolder) {
            self.fd = fd
            self.ofd = ofd
            self.path = path
            self.record = record
        }
    }

    nonisolated(unsafe) private static var held: [String: Holding] = [:]
    private static let mutex = NSLock()

    /// How long to sleep between attempts while waiting.
    static let pollInterval: TimeInterval = 0.02
    /// How long a record vouches for its holder; the holder renews it every third of that.
    public static let defaultLease: TimeInterval = 60

    /// A holder named by the record when the lock was free, and why it was taken over
    /// (a clause: "which ended without releasing it").
    public struct Takeover: Sendable, Equatable {
        public var holder: LockHolder
        public var reason: String
    }

    /// Runs `body` holding the lock of the registry at `layout`. With `wait` 0 a held
    /// lock fails at once with exit 75; otherwise waits up to `wait` seconds. Exit 69
    /// when the registry is on a mount whose locks do not span hosts (`SharedStorage`).
    /// `onAcquire` runs once the lock is taken (not when nested), with the previous
    /// holder when it died or its lease expired without releasing the lock. A timer
    /// renews the lease every `lease / 3` until release; `lease` is shorter in tests.
    public static func withLock<T>(_ layout: RegistryLayout, wait: TimeInterval, lease: TimeInterval = defaultLease,
                                   diagnostics: any DiagnosticSink = DiscardingSink(), onAcquire: (Takeover?) throws -> Void, _ body: () throws -> T) throws -> T
    {
        let key = canonical(layout.lock)
        mutex.lock()
        if let entry = held[key] {
            entry.depth += 1
            mutex.unlock()
            defer { release(key) }
            return try body()
        }
        mutex.unlock()
        try SharedStorage.check(layout.root)
        let (holding, previous) = try acquire(layout.lock, wait: wait, lease: lease)
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + lease / 3, repeating: lease / 3)
        timer.setEventHandler { renew(key, holding, lease: lease, diagnostics: diagnostics) }
        mutex.lock()
        holding.renewal = timer
        held[key] = holding
        mutex.unlock()
        timer.resume()
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

    /// The recorded holder, without taking the lock; nil when free or unreadable.
    public static func holder(_ layout: RegistryLayout) -> LockHolder? {
        mutex.lock()
        // Our own record from memory: with classic POSIX locks, closing any descriptor
        // of the file would drop the lock.
        if let holding = held[canonical(layout.lock)] {
            defer { mutex.unlock() }
            return holding.record
        }
        mutex.unlock()
        guard let data = FileManager.default.contents(atPath: layout.lock), !data.isEmpty else { return nil }
        return try? JSONCoding.decode(LockHolder.self, from: data, file: layout.lock)
    }

    /// What the record found once the OS lock is ours says.
    enum Verdict: Equatable {
        case free
        case stale(Takeover)
        /// A holder whose lease runs: on this host a live pid that lost its lock, on
        /// another a sign that the mount does not lock across hosts. Never broken.
        case live(LockHolder)
    }

    static func judge(_ previous: LockHolder?, now: Date, host: String = LockHolder.hostName, pid: Int32 = getpid(),
                      isRunning: (Int32) -> Bool = LockHolder.processRuns) -> Verdict
    {
        guard let p = previous, !(p.pid == pid && p.host == host) else { return .free }
        if p.host == host, !isRunning(p.pid) { return .stale(Takeover(holder: p, reason: "which ended without releasing it")) }
        guard let expires = p.expires, let runs = p.leaseRuns(at: now) else {
            return .stale(Takeover(holder: p, reason: "which recorded no lease"))
        }
        return runs ? .live(p) : .stale(Takeover(holder: p, reason: "whose lease expired at \(expires)"))
    }

    private static func acquire(_ path: String, wait: TimeInterval, lease: TimeInterval) throws -> (Holding, Takeover?) {
        try Failpoint.hit("lock.open", file: path)
        // Read-write: fcntl write locks need it (and NFS turns flock into one).
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            throw NimpError(e == ENOENT || e == EACCES || e == EROFS ? .cannotCreate : .ioError,
                            "\(path): cannot open the registry lock: \(String(cString: strerror(e)))")
        }
        let deadline = Date().addingTimeInterval(max(0, wait))
        while true {
            var live: LockHolder?
            let (error, ofd) = lock(fd, F_WRLCK)
            if error == 0 {
                switch judge(readHolder(fd), now: Date()) {
                case .free: return try take(fd, ofd: ofd, path: path, lease: lease, previous: nil)
                case .stale(let takeover): return try take(fd, ofd: ofd, path: path, lease: lease, previous: takeover)
                case .live(let holder):
                    _ = lock(fd, F_UNLCK, ofd: ofd)
                    live = holder
                }
            } else if error != EAGAIN && error != EACCES && error != EINTR {
                close(fd)
                let unsupported = error == ENOLCK || error == ENOSYS || error == EOPNOTSUPP
                throw NimpError(unsupported ? .unavailable : .ioError, "\(path): cannot lock: \(String(cString: strerror(error)))",
                                hint: unsupported ? "the registry's filesystem offers no locks across hosts; see README, \"The registry on shared storage\"" : nil)
            }
            if Date() >= deadline {
                close(fd)
                throw live.map { liveError(path, $0, waited: wait) } ?? heldError(path, waited: wait)
            }
            Thread.sleep(forTimeInterval: pollInterval)
        }
    }

    /// Records this process as the holder of the lock on `fd`.
    private static func take(_ fd: Int32, ofd: Bool, path: String, lease: TimeInterval, previous: Takeover?) throws -> (Holding, Takeover?) {
        let now = Date()
        let me = LockHolder(pid: getpid(), host: LockHolder.hostName, started: now, command: LockHolder.currentCommand,
                            expires: now.addingTimeInterval(lease))
        do {
            try Failpoint.hit("lock.record", file: path)
            try record(me, fd: fd, path: path)
        } catch {
            _ = lock(fd, F_UNLCK, ofd: ofd)
            close(fd)
            throw error
        }
        return (Holding(fd: fd, ofd: ofd, path: path, record: me), previous)
    }

    /// An exclusive lock (or an unlock) of the whole file, without waiting: an OFD lock
    /// where the kernel has them (Linux ≥ 3.15), which belongs to this open file like a
    /// flock; else a classic POSIX lock, which belongs to the process. Returns 0 or the
    /// errno, and which kind was used.
    private static func lock(_ fd: Int32, _ type: Int32, ofd: Bool? = nil) -> (Int32, Bool) {
        func set(_ command: Int32) -> Int32 {
            var request = flock()
            request.l_type = Int16(type)
            request.l_whence = Int16(SEEK_SET)
            return fcntl(fd, command, &request) == 0 ? 0 : errno
        }
        #if os(Linux)
        let setOFD: Int32 = 37  // F_OFD_SETLK, which Glibc's module does not export
        if ofd != false {
            let error = set(setOFD)
            if error != EINVAL || ofd == true { return (error, true) }
        }
        #endif
        return (set(F_SETLK), false)
    }

    private static func heldError(_ path: String, waited: TimeInterval) -> NimpError {
        let holder = (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { try? JSONCoding.decode(LockHolder.self, from: $0, file: path) }
        let who = holder.map { "by \($0.summary)" } ?? "by another process"
        return NimpError(.tempFail, "\(path): the registry is locked \(who)\(waitedText(waited))",
                         hint: "another nimp command is writing this registry; try again later")
    }

    private static func liveError(_ path: String, _ holder: LockHolder, waited: TimeInterval) -> NimpError {
        let until = holder.expires ?? "?"
        return NimpError(.tempFail, "\(path): the registry is locked by \(holder.summary), whose lease runs until \(until)\(waitedText(waited)); "
                             + "its lock was free here, so the filesystem may not lock across hosts (or that holder lost its lock)",
                         hint: "a holder whose lease runs is never taken over; try again after \(until), and check that the registry's "
                             + "filesystem locks across hosts (README, \"The registry on shared storage\")")
    }

    private static func waitedText(_ waited: TimeInterval) -> String {
        waited > 0 ? " after waiting \(formatSeconds(waited)) s" : ""
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

    /// Writes the record in place (the lock belongs to this inode) over the previous one,
    /// then cuts what is left of a longer one, so a reader never sees it empty; fsynced,
    /// because an NFS client keeps writes to itself until then.
    private static func record(_ holder: LockHolder, fd: Int32, path: String) throws {
        let bytes = Array((try JSONCoding.line(holder) + "\n").utf8)
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard n == bytes.count, ftruncate(fd, off_t(bytes.count)) == 0, fsync(fd) == 0 else {
            let e = n >= 0 && n < bytes.count ? ENOSPC : errno
            throw NimpError.io(path, "cannot write lock record: \(String(cString: strerror(e)))")
        }
    }

    /// Moves the lease of a lock still held forward (on the renewal timer's thread).
    private static func renew(_ key: String, _ holding: Holding, lease: TimeInterval, diagnostics: any DiagnosticSink) {
        mutex.lock()
        defer { mutex.unlock() }
        // Released meanwhile: the record must stay empty.
        guard held[key] === holding else { return }
        var next = holding.record
        next.expires = RegistryTime.string(Date().addingTimeInterval(lease))
        do {
            try record(next, fd: holding.fd, path: holding.path)
            holding.record = next
        } catch let error as NimpError {
            if !holding.renewalFailed { diagnostics.warn("\(error.message); other hosts may take the lock over when the lease ends") }
            holding.renewalFailed = true
        } catch {}
    }

    private static func release(_ key: String) {
        mutex.lock()
        defer { mutex.unlock() }
        guard let entry = held[key] else { return }
        if entry.depth > 1 {
            entry.depth -= 1
            return
        }
        held[key] = nil
        entry.renewal?.cancel()
        // An empty record means "released cleanly".
        _ = ftruncate(entry.fd, 0)
        _ = lock(entry.fd, F_UNLCK, ofd: entry.ofd)
        close(entry.fd)
    }

    private static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
