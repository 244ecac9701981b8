import Foundation
import NimpCore

/// Reads datasets from CSV: RFC 4180 (quoted fields may hold commas, quotes as `""`
/// and line breaks), a header line naming the columns, then one sample per record.
///
/// Accepted: a UTF-8 byte-order mark (stripped), CRLF or LF line ends, blank lines,
/// spaces around numbers, a missing final line break, text cells (categories) and missing
/// values (`MissingValue.tokens`). Rejected with the line, column number and column name
/// (exit 65): ragged rows, infinities, more than `maxColumns` columns.
public enum CSVReader {
    /// Most columns a record may have; stops a pathological line before it costs memory.
    public static let maxColumns = 100_000

    /// Reads a training set: `target` names the target column(s), every other column is a
    /// feature (text columns one-hot, missing cells filled; see `TableEncoding.fit`).
    public static func read(data: Data, name: String, target: [String], task: Task?,
                            diagnostics: any DiagnosticSink = DiscardingSink()) throws -> Dataset {
        try DatasetIO.decode(data, name: name, format: .csv, options: TableOptions(target: target, task: task, diagnostics: diagnostics))
    }
}

/// One CSV field: a byte range of the input without its quotes; `escapedQuotes` when
/// it holds `""`.
struct CSVField {
    var start: Int
    var end: Int
    var quoted = false
    var escapedQuotes = false
}

struct CSVRecord {
    var fields: [CSVField]
    /// The line the record starts on (1-based).
    var line: Int
}

/// An RFC 4180 record splitter over bytes. One pass, no copies of unquoted fields.
struct CSVParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    private var i = 0
    private var line = 1
    private var fields: [CSVField] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, file: String, firstLine: Int = 1) {
        self.bytes = bytes
        self.file = file
        self.line = firstLine
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
    }

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    /// The next non-blank record, or nil at the end of the input.
    mutating func next() throws -> CSVRecord? {
        let n = bytes.count
        while i < n {
            if bytes[i] == Self.lf { i += 1; line += 1; continue }
            if bytes[i] == Self.cr && i + 1 < n && bytes[i + 1] == Self.lf { i += 2; line += 1; continue }
            break
        }
        guard i < n else { return nil }
        let recordLine = line
        fields.removeAll(keepingCapacity: true)
        while true {
            if i < n && bytes[i] == Self.quote {
                let opened = line
                i += 1
                let start = i
                var escaped = false
                while true {
                    guard i < n else {
                        throw NimpError.data(file, "line \(opened), column \(fields.count + 1)", "a quoted field opens here and is never closed")
                    }
                    let c = bytes[i]
                    if c == Self.quote {
                        if i + 1 < n && bytes[i + 1] == Self.quote { escaped = true; i += 2; continue }
                        break
                    }
                    if c == Self.lf { line += 1 }
                    i += 1
                }
                fields.append(CSVField(start: start, end: i, quoted: true, escapedQuotes: escaped))
                i += 1
                let atRecordEnd = i == n || bytes[i] == Self.lf || (bytes[i] == Self.cr && i + 1 < n && bytes[i + 1] == Self.lf)
                guard atRecordEnd || bytes[i] == Self.comma else {
                    throw NimpError.data(file, "line \(line), column \(fields.count)", "unexpected text after a closing quote, expected ',' or the end of the line")
                }
            } else {
                let start = i
                while i < n && bytes[i] != Self.comma && bytes[i] != Self.lf { i += 1 }
                var end = i
                if end > start && bytes[end - 1] == Self.cr && (i == n || bytes[i] == Self.lf) { end -= 1 }
                fields.append(CSVField(start: start, end: end))
            }
            guard fields.count <= CSVReader.maxColumns else {
                throw NimpError.data(file, "line \(recordLine)", "more than \(CSVReader.maxColumns) columns; is this really a CSV table?")
            }
            if i < n && bytes[i] == Self.comma {
                i += 1
                continue
            }
            if i < n && bytes[i] == Self.cr { i += 1 }
            if i < n && bytes[i] == Self.lf { i += 1; line += 1 }
            return CSVRecord(fields: fields, line: recordLine)
        }
    }

    private func raw(_ field: CSVField) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[field.start..<field.end])
    }

    /// The field's bytes read as a number.
    func number(_ field: CSVField) -> NumberCell {
        if field.escapedQuotes { return .notNumber }
        return NumberCell.parse(raw(field))
    }

    /// The field as text (quotes unescaped); invalid UTF-8 → exit 65 at `place`.
    func text(_ field: CSVField, place: @autoclosure () -> String) throws -> String {
        var bytes = Array(raw(field))
        if field.escapedQuotes {
            var out: [UInt8] = []
            var k = 0
            while k < bytes.count {
                out.append(bytes[k])
                k += bytes[k] == Self.quote ? 2 : 1
            }
            bytes = out
        }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw NimpError.data(file, place(), "cell is not valid UTF-8 text")
        }
        return s
    }

    /// The field quoted for a message, cut to 40 characters.
    func quoted(_ field: CSVField) -> String {
        let s = String(decoding: raw(field).prefix(40), as: UTF8.self)
        return JSONText.quote(s.trimmingCharacters(in: .whitespaces))
    }
}
