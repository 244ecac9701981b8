import CArchive
import Foundation
import NimpCore

/// gzip streams (RFC 1952) through libarchive's raw format: the registry's older history
/// segments. Both directions stream, so memory stays small whatever the file's size.
public enum Gzip {
    /// Compresses everything `input` holds from its current offset into `output`.
    /// Errors name `path` (the file being written): exit 74 for a failed write.
    public static func compress(from input: Int32, to output: Int32, path: String) throws {
        guard let archive = archive_write_new() else { throw NimpError(.failure, "cannot allocate a gzip writer") }
        defer { archive_write_free(archive) }
        func check(_ status: Int32, _ step: String) throws {
            guard status == ARCHIVE_OK else { throw writeError(archive, path, step) }
        }
        try check(archive_write_set_format_raw(archive), "format")
        try check(archive_write_add_filter_gzip(archive), "filter")
        // No time in the gzip header: the same lines always compress to the same bytes.
        _ = archive_write_set_filter_option(archive, "gzip", "timestamp", nil)
        // No padding to a block size after the stream: gzip readers call that garbage.
        try check(archive_write_set_bytes_in_last_block(archive, 1), "block size")
        try check(archive_write_open_fd(archive, output), "open")
        guard let entry = archive_entry_new() else { throw NimpError(.failure, "cannot allocate a gzip entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, "data")
        archive_entry_set_filetype(entry, NIMP_AE_IFREG)
        archive_entry_set_perm(entry, 0o644)
        try check(archive_write_header(archive, entry), "header")
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw NimpError.io(path, "cannot read what it compresses: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            let written = buffer.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, n) }
            guard written == n else { throw writeError(archive, path, "write") }
        }
        try check(archive_write_close(archive), "close")
    }

    static func writeError(_ archive: OpaquePointer, _ path: String, _ step: String) -> NimpError {
        let code = archive_errno(archive)
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
        return NimpError(code == 0 ? .failure : .ioError, "\(path): cannot write gzip (\(step)): \(message)")
    }
}

/// Reads a gzip file in chunks. A file that is not gzip, or is cut short or damaged,
/// is exit 65 naming it.
public final class GzipReader {
    public let path: String
    private let fd: Int32
    private let archive: OpaquePointer
    private var finished = false

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw NimpError(e == ENOENT ? .noInput : .ioError, "\(path): cannot open: \(String(cString: strerror(e)))")
        }
        var magic: [UInt8] = [0, 0]
        // libarchive's raw format passes anything that is not gzip through as it is: check first.
        guard pread(fd, &magic, 2, 0) == 2, magic == [0x1F, 0x8B] else {
            close(fd)
            throw NimpError.data(path, nil, "not a gzip file (it does not start with 1f 8b)")
        }
        guard let a = archive_read_new() else {
            close(fd)
            throw NimpError(.failure, "cannot allocate a gzip reader")
        }
        archive = a
        archive_read_support_format_raw(a)
        archive_read_support_filter_gzip(a)
        var entry: OpaquePointer?
        guard archive_read_open_fd(a, fd, 1 << 16) == ARCHIVE_OK, archive_read_next_header(a, &entry) == ARCHIVE_OK else {
            // Every property is set: deinit frees the reader and closes the file.
            let message = archive_error_string(a).map { String(cString: $0) } ?? "unknown libarchive error"
            throw NimpError.data(path, nil, "not a readable gzip file: \(message)")
        }
    }

    deinit {
        archive_read_free(archive)
        close(fd)
    }

    /// Up to `count` decompressed bytes; nil at the end.
    public func read(upTo count: Int) throws -> Data? {
        guard !finished else { return nil }
        var chunk = Data(count: count)
        let n = chunk.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, count) }
        if n < 0 {
            let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
            throw NimpError.data(path, nil, "damaged gzip data: \(message)")
        }
        if n == 0 {
            finished = true
            return nil
        }
        chunk.count = n
        return chunk
    }
}
