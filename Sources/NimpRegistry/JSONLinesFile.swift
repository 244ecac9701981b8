import Foundation
import NimpCore
import NimpIO

/// A problem found at one line of a file: `history.jsonl: line 12: torn line (…)`.
public struct LineProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public var description: String { "\(file): line \(line): \(message)" }
}

/// An append-only JSON-lines file (history.jsonl, champion.log, versions/index.jsonl).
///
/// Appending writes whole lines with one `write(2)` on an `O_APPEND` descriptor and
/// fsyncs; callers hold the registry lock, so lines never interleave. A torn tail left
/// by a crash or a full disk is cut off before the next append (and returned, so the
/// caller can record it); a failed append truncates the file back to where it was.
/// Reading never trusts the file: a line without its newline is reported as torn,
/// every earlier line is kept.
public struct JSONLinesFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The raw lines of the file and where it is torn.
    public struct Contents: Sendable {
        /// Complete lines (1-based number, text without the newline). Blank lines are skipped.
        public var lines: [(number: Int, text: Substring)]
        /// The last line when it has no newline: a write that did not finish.
        public var torn: LineProblem?
    }

    /// Reads every line; a missing file has none.
    public func read() throws -> Contents {
        guard let data = try Self.readIfPresent(path) else { return Contents(lines: [], torn: nil) }
        return Self.split(data, file: path)
    }

    static func split(_ data: Data, file: String) -> Contents {
        var lines: [(number: Int, text: Substring)] = []
        var number = 0
        let text = String(decoding: data, as: UTF8.self)
        let utf8 = text.utf8
        var torn: LineProblem?
        var start = utf8.startIndex
        while start < utf8.endIndex {
            number += 1
            guard let newline = utf8[start...].firstIndex(of: 0x0A) else {
                torn = LineProblem(file: file, line: number,
                                   message: "torn line (\(utf8.distance(from: start, to: utf8.endIndex)) bytes without a newline: an interrupted write); earlier lines are kept")
                break
            }
            let line = text[start..<newline]
            if line.utf8.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) { lines.append((number, line)) }
            start = utf8.index(after: newline)
        }
        return Contents(lines: lines, torn: torn)
    }

    static func readIfPresent(_ path: String) throws -> Data? {
        do {
            // Read, not mapped: a writer on another host may cut a torn tail while this
            // reads without the lock, and a mapped page past the new end is a SIGBUS.
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return nil
        } catch {
            if !FileManager.default.fileExists(atPath: path) { return nil }
            throw NimpError.io(path, "cannot read: \(error.localizedDescription)")
        }
    }

    /// Appends `lines` (each without a newline). Returns the torn tail that was cut
    /// off first, if any. Failpoints: `PREFIX.write`, `PREFIX.fsync`.
    @discardableResult
    public func append(_ lines: [String], failpoint: String) throws -> String? {
        precondition(lines.allSatisfy { !$0.contains("\n") }, "JSON lines cannot contain a newline")
        guard !lines.isEmpty else { return nil }
        let existed = FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.error(path, "cannot open for appending", errno) }
        defer { close(fd) }
        let torn = try cutTornTail(fd)
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Self.error(path, "cannot stat", errno) }
        let start = st.st_size
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        do {
            try Failpoint.hit(failpoint + ".write", file: path)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written != bytes.count {
                let e = written < 0 ? errno : ENOSPC
                throw Self.error(path, "append failed", e)
            }
            try Failpoint.hit(failpoint + ".fsync", file: path)
            guard fsync(fd) == 0 else { throw Self.error(path, "fsync failed", errno) }
            if !existed {
                try AtomicFile.syncDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            }
        } catch {
            // Leave the file as it was: no partial line, no line the caller thinks failed.
            _ = ftruncate(fd, start)
            _ = fsync(fd)
            throw error
        }
        return torn
    }

    /// The last line when it has no newline (an interrupted write); the file is read
    /// only when it is torn, to number the line.
    public func tornTail() throws -> LineProblem? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var last: UInt8 = 0x0A
        var st = stat()
        let torn = fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, off_t(st.st_size - 1)) == 1 && last != 0x0A
        close(fd)
        return torn ? try read().torn : nil
    }

    /// Cuts a last line that has no newline; returns it.
    @discardableResult
    public func cutTornTail() throws -> String? {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let cut = try cutTornTail(fd)
        if cut != nil { _ = fsync(fd) }
        return cut
    }

    /// Truncates the file back to `size` bytes (undoing an append whose operation
    /// failed later); best effort.
    public func truncate(to size: Int) {
        _ = Foundation.truncate(path, off_t(size))
    }

    /// The file's size in bytes (0 when missing).
    public func size() -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Cuts a last line that has no newline; returns it.
    private func cutTornTail(_ fd: Int32) throws -> String? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Self.error(path, "cannot stat", errno) }
        let size = Int(st.st_size)
        guard size > 0 else { return nil }
        var last: UInt8 = 0
        guard pread(fd, &last, 1, off_t(size - 1)) == 1 else { throw Self.error(path, "cannot read", errno) }
        guard last != 0x0A else { return nil }
        let tailLength = min(size, 1 << 20)
        var tail = [UInt8](repeating: 0, count: tailLength)
        guard pread(fd, &tail, tailLength, off_t(size - tailLength)) == tailLength else { throw Self.error(path, "cannot read", errno) }
        let keep: Int
        if let newline = tail.lastIndex(of: 0x0A) {
            keep = size - tailLength + newline + 1
        } else if tailLength == size {
            keep = 0
        } else {
            throw NimpError.data(path, nil, "a line longer than 1 MiB without a newline", hint: "the file is damaged; move it aside")
        }
        guard ftruncate(fd, off_t(keep)) == 0 else { throw Self.error(path, "cannot cut torn line", errno) }
        return String(decoding: tail.suffix(size - keep), as: UTF8.self)
    }

    static func error(_ path: String, _ what: String, _ code: Int32) -> NimpError {
        let kind: NimpError.Kind = code == ENOENT || code == EACCES || code == EROFS ? .cannotCreate : .ioError
        return NimpError(kind, "\(path): \(what): \(String(cString: strerror(code)))")
    }
}
