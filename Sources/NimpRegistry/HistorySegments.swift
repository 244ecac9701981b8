import Foundation
import NimpCore
import NimpIO

/// An older part of history: `REGISTRY/history/YYYY-MM.NNN.jsonl.gz`, named by the month
/// (UTC) of its first entry, NNN counting from 001 should a month begin more than one. A
/// segment is the whole of history.jsonl as it was when the first write of a later month
/// moved it aside: the lines of one month, or, for history written by a release without
/// segments, all of it. While a rotation is unfinished (its writer was killed) the
/// segment is a plain `.jsonl`, which readers read, and the next writer compresses.
public struct HistorySegment: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var month: String
    public var part: Int

    public var name: String { month + "." + zeroPadded(part, 3) }
    public var description: String { name }

    public static func < (a: HistorySegment, b: HistorySegment) -> Bool { (a.month, a.part) < (b.month, b.part) }

    /// `2026-11.001.jsonl.gz` or `2026-11.001.jsonl`; nil for any other name.
    static func parse(fileName: String) -> (segment: HistorySegment, gzip: Bool)? {
        let gzip = fileName.hasSuffix(".jsonl.gz")
        guard gzip || fileName.hasSuffix(".jsonl") else { return nil }
        let stem = fileName.dropLast(gzip ? 9 : 6)
        let parts = stem.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count >= 3, parts[1].allSatisfy(\.isASCIIDigitCharacter), let part = Int(parts[1]), part >= 1,
              let month = Month(String(parts[0])) else { return nil }
        return (HistorySegment(month: month.text, part: part), gzip)
    }
}

/// A calendar month in UTC, as segments name it: `2026-11`.
struct Month: Comparable {
    var year: Int
    var month: Int

    init?(_ text: String) {
        let p = text.split(separator: "-")
        guard text.utf8.count == 7, p.count == 2, let y = Int(p[0]), let m = Int(p[1]), (1...12).contains(m), p[0].count == 4 else { return nil }
        year = y
        month = m
    }

    init(_ date: Date) {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
    }

    var text: String { zeroPadded(year, 4) + "-" + zeroPadded(month, 2) }

    static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

/// One file of history as a reader sees it: an older segment or the current history.jsonl.
public struct HistoryFile: Sendable {
    /// Nil for the current file.
    public var segment: HistorySegment?
    public var path: String
    public var gzip: Bool
}

/// The lines of one history file in order, read in chunks (so memory stays small
/// whatever the file's size), each with the byte offset just past its newline. A last
/// line without a newline is not returned: it is `torn`.
final class HistoryLines {
    struct Line {
        var number: Int
        /// Offset just past the newline, in the file's (uncompressed) bytes.
        var end: Int
        var bytes: Data

        var isBlank: Bool { !bytes.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D } }
    }

    static let chunk = 1 << 20
    /// A line longer than this is damage, not history.
    static let maxLine = 64 << 20

    let file: HistoryFile
    private var gzip: GzipReader?
    private var handle: FileHandle?
    private var pending = Data()
    private var offset: Int
    private var number: Int
    private var finished = false
    private(set) var torn: LineProblem?

    /// Reads from byte `offset` (plain files; a gzip file is read from its start),
    /// numbering the first line `number + 1`.
    init(_ file: HistoryFile, from offset: Int = 0, number: Int = 0) throws {
        var file = file
        if !file.gzip, file.segment != nil, !FileManager.default.fileExists(atPath: file.path) {
            // Its rotation finished since the segments were listed.
            file = HistoryFile(segment: file.segment, path: file.path + ".gz", gzip: true)
        }
        self.file = file
        var st = stat()
        if stat(file.path, &st) == 0, st.st_mode & S_IFMT != S_IFREG {
            // A FIFO would block the reader forever.
            throw NimpError.data(file.path, nil, "not a regular file")
        }
        if file.segment == nil, !FileManager.default.fileExists(atPath: file.path) {
            // No history.jsonl: nothing appended since the last rotation (or ever).
            self.offset = offset
            self.number = number
            finished = true
            return
        }
        if file.gzip {
            gzip = try GzipReader(path: file.path)
            self.offset = 0
            self.number = 0
        } else {
            guard let h = FileHandle(forReadingAtPath: file.path) else {
                throw NimpError(FileManager.default.fileExists(atPath: file.path) ? .ioError : .noInput, "\(file.path): cannot open")
            }
            handle = h
            do { try h.seek(toOffset: UInt64(offset)) } catch { throw NimpError.io(file.path, "cannot seek: \(error.localizedDescription)") }
            self.offset = offset
            self.number = number
        }
    }

    deinit { try? handle?.close() }

    /// A file that could not be read to its end, as a problem at the line where it broke.
    static func damage(_ error: NimpError, _ file: HistoryFile, after lines: HistoryLines?) -> LineProblem {
        let prefix = file.path + ": "
        let message = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
        return LineProblem(file: file.path, line: (lines?.number ?? 0) + 1, message: message + "; the lines after it cannot be read")
    }

    func next() throws -> Line? {
        while true {
            let newline: Int? = pending.withUnsafeBytes { raw in
                guard raw.count > 0, let p = memchr(raw.baseAddress!, 0x0A, raw.count) else { return nil }
                return raw.baseAddress!.distance(to: UnsafeRawPointer(p))
            }
            if let newline {
                let start = pending.startIndex
                let bytes = Data(pending[start..<(start + newline)])
                pending = pending[(start + newline + 1)...]
                offset += newline + 1
                number += 1
                return Line(number: number, end: offset, bytes: bytes)
            }
            guard !finished else {
                if !pending.isEmpty {
                    torn = LineProblem(file: file.path, line: number + 1,
                                       message: "torn line (\(pending.count) bytes without a newline: an interrupted write); earlier lines are kept")
                    pending = Data()
                }
                return nil
            }
            guard pending.count <= Self.maxLine else {
                throw NimpError.data(file.path, "line \(number + 1)", "longer than \(Self.maxLine >> 20) MiB without a newline: damaged")
            }
            let more: Data?
            if let gzip {
                more = try gzip.read(upTo: Self.chunk)
            } else {
                do { more = try handle!.read(upToCount: Self.chunk) } catch { throw NimpError.io(file.path, "cannot read: \(error.localizedDescription)") }
            }
            if let more, !more.isEmpty {
                pending = pending.isEmpty ? more : Data(pending) + more
            } else {
                finished = true
            }
        }
    }
}

extension Data {
    /// Whether `needle` occurs in these bytes (memchr and memcmp: history is searched a line at a time).
    func contains(bytes needle: [UInt8]) -> Bool { firstOffset(of: needle) != nil }

    /// Where `needle` first occurs, from the start of these bytes.
    func firstOffset(of needle: [UInt8]) -> Int? {
        guard !needle.isEmpty else { return 0 }
        return withUnsafeBytes { hay in
            guard hay.count >= needle.count, let base = hay.baseAddress else { return nil }
            let last = hay.count - needle.count
            var i = 0
            while i <= last, let p = memchr(base + i, Int32(needle[0]), last - i + 1) {
                let at = base.distance(to: UnsafeRawPointer(p))
                if memcmp(base + at, needle, needle.count) == 0 { return at }
                i = at + 1
            }
            return nil
        }
    }

    /// The string value of the first `"key"` in a JSON line, without parsing the line; nil
    /// when the key is absent or its value is not a plain string (the caller then parses).
    func plainStringValue(of key: [UInt8]) -> String? {
        guard let at = firstOffset(of: key) else { return nil }
        return withUnsafeBytes { raw -> String? in
            let b = raw.bindMemory(to: UInt8.self)
            var i = at + key.count
            func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            var end = start
            while end < b.count, b[end] != UInt8(ascii: "\"") {
                if b[end] == UInt8(ascii: "\\") { return nil }
                end += 1
            }
            guard end < b.count else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        }
    }
}

/// `n` with leading zeros to at least `width` digits (String(format:) costs a locale lookup).
func zeroPadded(_ n: Int, _ width: Int) -> String {
    let digits = String(n)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
