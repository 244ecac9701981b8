import CArchive
import Foundation
import NimpCore

/// One regular file inside a tar archive.
public struct ArchiveMember: Sendable, Equatable {
    public var name: String
    public var data: Data

    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }
}

/// In-memory tar archives through libarchive: a byte-stable pax writer and a reader that
/// trusts nothing it reads.
///
/// Member names are plain file names from the POSIX portable set (`A-Z a-z 0-9 . _ -`,
/// not `.` or `..`, at most 255 bytes), so neither the locale nor a later extraction
/// can turn them into paths.
public enum TarArchive {
    /// Largest member name, in bytes.
    public static let maxNameBytes = 255

    /// Writes `members` in order as a POSIX pax (restricted) tar: regular files, mode
    /// 0644, uid/gid 0, mtime 0, no padding beyond the last 512-byte block. The same
    /// members always give the same bytes.
    public static func write(_ members: [ArchiveMember]) throws -> Data {
        try write(members, gzip: false)
    }

    /// `gzip` exists for tests that need compressed archives (bombs); nimp writes plain tar.
    static func write(_ members: [ArchiveMember], gzip: Bool) throws -> Data {
        var seen = Set<String>()
        for member in members {
            if let problem = nameProblem(member.name) {
                throw NimpError(.failure, "cannot archive member \(String(reflecting: member.name)): \(problem)")
            }
            guard seen.insert(member.name).inserted else {
                throw NimpError(.failure, "cannot archive member \(String(reflecting: member.name)) twice")
            }
        }
        guard let archive = archive_write_new() else { throw NimpError(.failure, "cannot allocate a tar writer") }
        let sink = Unmanaged.passRetained(ByteSink())
        defer {
            archive_write_free(archive)
            sink.release()
        }
        func check(_ status: Int32, _ step: String) throws {
            guard status == ARCHIVE_OK else {
                throw NimpError(.failure, "cannot write tar archive (\(step)): \(errorString(archive))")
            }
        }
        try check(archive_write_set_format_pax_restricted(archive), "format")
        try check(gzip ? archive_write_add_filter_gzip(archive) : archive_write_add_filter_none(archive), "filter")
        try check(archive_write_set_bytes_in_last_block(archive, 1), "block size")
        let opened = archive_write_open2(archive, sink.toOpaque(), nil, { _, context, buffer, length in
            guard let context else { return -1 }
            guard length > 0, let buffer else { return 0 }
            let sink = Unmanaged<ByteSink>.fromOpaque(context).takeUnretainedValue()
            sink.data.append(buffer.assumingMemoryBound(to: UInt8.self), count: length)
            return length
        }, nil, nil)
        try check(opened, "open")
        for member in members {
            guard let entry = archive_entry_new() else { throw NimpError(.failure, "cannot allocate a tar entry") }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname(entry, member.name)
            archive_entry_set_size(entry, la_int64_t(member.data.count))
            archive_entry_set_filetype(entry, NIMP_AE_IFREG)
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_mtime(entry, 0, 0)
            archive_entry_set_uid(entry, 0)
            archive_entry_set_gid(entry, 0)
            try check(archive_write_header(archive, entry), "header of \(member.name)")
            if !member.data.isEmpty {
                let written = member.data.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
                guard written == member.data.count else {
                    throw NimpError(.failure, "cannot write tar member \(member.name): \(errorString(archive))")
                }
            }
        }
        try check(archive_write_close(archive), "close")
        return sink.takeUnretainedValue().data
    }

    /// Reads every member of a tar archive (plain or gzip-compressed) held in `data`.
    /// `name` is the file name used in error messages.
    ///
    /// Never trusts input: only regular files with plain, unique names are accepted
    /// (no links, directories, devices, FIFOs, sockets or sparse files); a member's
    /// declared size is checked against `maxMemberBytes` and the running total against
    /// `maxTotalBytes` before any of its data is read, so a decompression bomb stops at
    /// its first header; at most `maxMembers` members. Truncation and every other
    /// violation is exit 65 naming the archive and the entry.
    public static func read(_ data: Data, name: String, maxMemberBytes: Int = 1 << 30, maxMembers: Int = 16,
                            maxTotalBytes: Int = 1 << 30) throws -> [ArchiveMember] {
        guard !data.isEmpty else {
            throw NimpError.data(name, nil, "empty file, expected a tar archive")
        }
        guard let archive = archive_read_new() else { throw NimpError(.failure, "cannot allocate a tar reader") }
        defer { archive_read_free(archive) }
        archive_read_support_format_tar(archive)
        // gzip is decompressed in-process by zlib; other filters could run external programs.
        archive_read_support_filter_gzip(archive)
        return try data.withUnsafeBytes { raw in
            guard archive_read_open_memory(archive, raw.baseAddress, raw.count) == ARCHIVE_OK else {
                throw NimpError.data(name, nil, "not a tar archive: \(errorString(archive))")
            }
            var reader = EntryReader(archive: archive, archiveName: name, maxMemberBytes: maxMemberBytes,
                                     maxMembers: maxMembers, maxTotalBytes: maxTotalBytes)
            return try reader.readAll()
        }
    }

    /// Why `name` cannot be a member name, or nil when it is a plain file name.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "empty name" }
        if name.hasPrefix("/") { return "absolute path" }
        if name == "." || name == ".." || name.hasPrefix("../") || name.contains("/../") || name.hasSuffix("/..") {
            return "refers to a parent or current directory ('..' or '.')"
        }
        if name.contains("/") { return "contains '/' (members are plain file names)" }
        if name.utf8.count > maxNameBytes { return "longer than \(maxNameBytes) bytes" }
        let portable = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
        if !portable { return "characters outside A-Z a-z 0-9 . _ -" }
        return nil
    }

    static func errorString(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}

/// Collects what the writer callback receives; handed to C through `Unmanaged`.
private final class ByteSink {
    var data = Data()
}

/// The reader's loop over headers and data, with its limits and running totals.
private struct EntryReader {
    let archive: OpaquePointer
    let archiveName: String
    let maxMemberBytes: Int
    let maxMembers: Int
    let maxTotalBytes: Int
    var members: [ArchiveMember] = []
    var names = Set<String>()
    var total = 0

    init(archive: OpaquePointer, archiveName: String, maxMemberBytes: Int, maxMembers: Int, maxTotalBytes: Int) {
        self.archive = archive
        self.archiveName = archiveName
        self.maxMemberBytes = maxMemberBytes
        self.maxMembers = maxMembers
        self.maxTotalBytes = maxTotalBytes
    }

    mutating func readAll() throws -> [ArchiveMember] {
        while true {
            let index = members.count + 1
            var entryPointer: OpaquePointer?
            let status = archive_read_next_header(archive, &entryPointer)
            if status == ARCHIVE_EOF { return members }
            guard status == ARCHIVE_OK, let entry = entryPointer else {
                throw failure("entry \(index)", TarArchive.errorString(archive))
            }
            guard members.count < maxMembers else {
                throw failure(nil, "more than \(maxMembers) members")
            }
            let memberName = try decodedName(entry, index: index)
            let place = "member \(String(reflecting: memberName))"
            if let kind = nonRegularKind(entry) {
                throw failure(place, "is \(kind); only regular files are allowed")
            }
            if let problem = TarArchive.nameProblem(memberName) {
                throw failure(place, "unsafe member name: \(problem)")
            }
            guard archive_entry_sparse_count(entry) == 0 else {
                throw failure(place, "is a sparse file; only regular files are allowed")
            }
            guard names.insert(memberName).inserted else {
                throw failure(place, "appears twice (duplicate member)")
            }
            guard archive_entry_size_is_set(entry) != 0 else {
                throw failure(place, "has no size")
            }
            let size = archive_entry_size(entry)
            guard size >= 0, size <= maxMemberBytes else {
                throw failure(place, "is \(size) bytes, more than the limit of \(maxMemberBytes) bytes")
            }
            guard total + Int(size) <= maxTotalBytes else {
                throw failure(place, "brings the archive's content to \(total + Int(size)) bytes, more than the limit of \(maxTotalBytes) bytes")
            }
            let data = try readData(size: Int(size), place: place)
            total += data.count
            members.append(ArchiveMember(name: memberName, data: data))
        }
    }

    func decodedName(_ entry: OpaquePointer, index: Int) throws -> String {
        guard let raw = archive_entry_pathname(entry) else {
            throw failure("entry \(index)", "has no name, or one that cannot be decoded")
        }
        guard let name = String(validatingCString: raw) else {
            throw failure("entry \(index)", "name is not valid UTF-8")
        }
        return name
    }

    func nonRegularKind(_ entry: OpaquePointer) -> String? {
        if let target = archive_entry_hardlink(entry) {
            return "a hard link to \(String(reflecting: String(cString: target)))"
        }
        if let target = archive_entry_symlink(entry) {
            return "a symbolic link to \(String(reflecting: String(cString: target)))"
        }
        switch archive_entry_filetype(entry) & NIMP_AE_IFMT {
        case NIMP_AE_IFREG: return nil
        case NIMP_AE_IFDIR: return "a directory"
        case NIMP_AE_IFLNK: return "a symbolic link"
        case NIMP_AE_IFCHR: return "a character device"
        case NIMP_AE_IFBLK: return "a block device"
        case NIMP_AE_IFIFO: return "a FIFO"
        case NIMP_AE_IFSOCK: return "a socket"
        case let other: return "of unknown type 0o\(String(other, radix: 8))"
        }
    }

    /// Reads exactly `size` bytes, growing the buffer only as data really arrives.
    func readData(size: Int, place: String) throws -> Data {
        var data = Data()
        data.reserveCapacity(min(size, 1 << 20))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else {
                throw failure(place, TarArchive.errorString(archive), hint: "the archive is truncated or corrupt")
            }
            guard data.count + count <= size else {
                throw failure(place, "holds more data than its declared \(size) bytes")
            }
            data.append(contentsOf: chunk[0..<count])
        }
        guard data.count == size else {
            throw failure(place, "holds \(data.count) bytes, its header declares \(size)", hint: "the archive is truncated or corrupt")
        }
        return data
    }

    func failure(_ place: String?, _ what: String, hint: String? = nil) -> NimpError {
        NimpError.data(archiveName, place, what, hint: hint)
    }
}
