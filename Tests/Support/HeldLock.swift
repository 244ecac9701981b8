import Foundation

/// The registry lock of `path` held the way another nimp holds it: an exclusive OFD
/// `fcntl` lock, which conflicts with nimp's lock even from this process (an OFD lock
/// belongs to its open file, not to the process). Released by `release` or deinit.
public final class HeldLock: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32

    /// Takes the lock (fails when it is busy); `record` is written into the file first,
    /// as a holder's record.
    public init(_ path: String, record: String? = nil) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        let F_OFD_SETLK: Int32 = 37
        guard fcntl(fd, F_OFD_SETLK, &request) == 0 else {
            let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            close(fd)
            throw error
        }
        if let record {
            _ = ftruncate(fd, 0)
            let bytes = Array((record + "\n").utf8)
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
    }

    /// Releases the lock as a holder does: the record is emptied first.
    public func release() {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
