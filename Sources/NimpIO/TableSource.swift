import Foundation
import NimpCore

/// One cell of a CSV or JSON-lines table as read.
public enum TableCell: Equatable, Sendable {
    case number(Double)
    case text(String)
    case missing

    /// The cell as a category or class label: text as is, numbers in canonical form
    /// ("3", "0.5"), so "3" and "3.0" name the same category.
    var label: String? {
        switch self {
        case .text(let s): return s
        case .number(let v): return NumberFormat.canonical(v)
        case .missing: return nil
        }
    }
}

/// Cells that mean "no value": pandas' default list, so tables written by pandas, R and
/// spreadsheets read the same way here.
public enum MissingValue {
    public static let tokens: Set<String> = [
        "", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "null", "NULL", "None", "<NA>", "#N/A", "#NA", "NA/NaN",
    ]
}

/// The rows of a CSV (with a header) or JSON-lines table (keys of the first line) as
/// cells, with each cell's place for messages. Reads bytes in memory or mapped; a stream
/// reads it a chunk at a time (`header` and `firstLine` then carry over).
struct TableSource {
    let name: String
    let format: DatasetFormat
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var columns: [String]
    private let firstLine: Int
    private let hasHeaderInBytes: Bool

    /// `header` nil reads it from the bytes (CSV's first record, JSON lines' first object).
    init(_ bytes: UnsafeBufferPointer<UInt8>, name: String, format: DatasetFormat, header: [String]? = nil, firstLine: Int = 1) throws {
        precondition(format != .safetensors)
        self.bytes = bytes
        self.name = name
        self.format = format
        self.firstLine = firstLine
        self.hasHeaderInBytes = header == nil
        self.columns = header ?? []
        if header == nil { columns = try readHeader() }
    }

    func place(line: Int, column: Int) -> String { "line \(line), " + columnPlace(column) }

    /// `column 4 ("y")` in a CSV, `key "y"` in JSON lines.
    func columnPlace(_ column: Int) -> String {
        format == .csv ? "column \(column + 1) (\(JSONText.quote(columns[column])))" : "key \(JSONText.quote(columns[column]))"
    }

    private func readHeader() throws -> [String] {
        switch format {
        case .csv:
            var parser = CSVParser(bytes, file: name)
            guard let header = try parser.next() else {
                throw NimpError.data(name, nil, "file is empty, expected a header line naming the columns")
            }
            let columns = try header.fields.enumerated().map { k, field in
                try parser.text(field, place: "line \(header.line), column \(k + 1)").trimmingCharacters(in: .whitespaces)
            }
            try Self.checkHeader(columns, line: header.line, name: name)
            return columns
        default:
            var keys: [String]?
            try JSONLReader.forEachLine(bytes) { line, number, terminated in
                guard keys == nil else { return }
                let value = try JSONLReader.parseLine(line, file: name, line: number, terminated: terminated)
                guard case .object(let members) = value else {
                    throw NimpError.data(name, "line \(number)", "expected a JSON object, found \(value.summary)")
                }
                keys = members.keys
            }
            guard let keys else { throw NimpError.data(name, nil, "file is empty, expected one JSON object per line") }
            return keys
        }
    }

    /// Calls `body` with each data row's line and cells (one per column, in `columns` order).
    func forEachRow(_ body: (Int, [TableCell]) throws -> Void) throws {
        switch format {
        case .csv: try forEachCSVRow(body)
        default: try forEachJSONRow(body)
        }
    }

    private func forEachCSVRow(_ body: (Int, [TableCell]) throws -> Void) throws {
        var parser = CSVParser(bytes, file: name, firstLine: firstLine)
        if hasHeaderInBytes { _ = try parser.next() }
        var cells = [TableCell](repeating: .missing, count: columns.count)
        while let record = try parser.next() {
            guard record.fields.count == columns.count else {
                throw NimpError.data(name, "line \(record.line)", "\(record.fields.count) fields, expected \(columns.count) as in the header")
            }
            for (k, field) in record.fields.enumerated() {
                cells[k] = try csvCell(parser, field, line: record.line, column: k)
            }
            try body(record.line, cells)
        }
    }

    private func csvCell(_ parser: CSVParser, _ field: CSVField, line: Int, column: Int) throws -> TableCell {
        let kind = parser.number(field)
        switch kind {
        case .number(let v): return .number(v)
        case .empty: return .missing
        case .outOfRange: throw NimpError.data(name, place(line: line, column: column), "\(parser.quoted(field)) is outside the Float32 range")
        case .nonFinite, .notNumber:
            let raw = try parser.text(field, place: place(line: line, column: column))
            let trimmed = Self.trimmed(raw)
            if MissingValue.tokens.contains(trimmed) { return .missing }
            if case .nonFinite = kind {
                throw NimpError.data(name, place(line: line, column: column), "\(parser.quoted(field)) is not a finite number (infinities are rejected)")
            }
            return .text(field.quoted ? raw : trimmed)
        }
    }

    /// `s` without surrounding spaces and tabs (Foundation's trimming is slow per cell).
    static func trimmed(_ s: String) -> String {
        let u = s.utf8
        guard let first = u.first, let last = u.last, first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 else { return s }
        var start = u.startIndex, end = u.endIndex
        while start < end && (u[start] == 0x20 || u[start] == 0x09) { start = u.index(after: start) }
        while end > start && (u[u.index(before: end)] == 0x20 || u[u.index(before: end)] == 0x09) { end = u.index(before: end) }
        return String(s[start..<end])
    }

    private func forEachJSONRow(_ body: (Int, [TableCell]) throws -> Void) throws {
        var slotOf: [String: Int] = [:]
        for (k, key) in columns.enumerated() { slotOf[key] = k }
        var cells = [TableCell](repeating: .missing, count: columns.count)
        var filled = [Bool](repeating: false, count: columns.count)
        try JSONLReader.forEachLine(bytes) { line, local, terminated in
            let number = local + firstLine - 1
            let value = try JSONLReader.parseLine(line, file: name, line: number, terminated: terminated)
            guard case .object(let members) = value else {
                throw NimpError.data(name, "line \(number)", "expected a JSON object, found \(value.summary)")
            }
            for k in filled.indices { filled[k] = false }
            for (position, member) in members.enumerated() {
                let slot: Int
                if position < columns.count && columns[position] == member.key {
                    slot = position
                } else if let s = slotOf[member.key] {
                    slot = s
                } else {
                    throw NimpError.data(name, "line \(number)", "unexpected key \(JSONText.quote(member.key)); the first line has no such key")
                }
                guard !filled[slot] else { throw NimpError.data(name, "line \(number)", "the key \(JSONText.quote(member.key)) appears twice") }
                filled[slot] = true
                cells[slot] = try jsonCell(member.value, place: place(line: number, column: slot))
            }
            if let missing = filled.firstIndex(of: false) {
                throw NimpError.data(name, "line \(number)", "missing key \(JSONText.quote(columns[missing]))",
                                     hint: "write null for a missing value")
            }
            try body(number, cells)
        }
    }

    private func jsonCell(_ value: JSONValue, place: String) throws -> TableCell {
        switch value {
        case .null: return .missing
        case .int, .unsigned, .number:
            _ = try JSONLReader.finiteFloat(value, file: name, place: place)
            return .number(value.double!)
        case .string(let s): return s.isEmpty ? .missing : .text(s)
        case .bool(let b): return .text(b ? "true" : "false")
        default: throw NimpError.data(name, place, "expected a number, a string or null, found \(value.summary)")
        }
    }

    static func checkHeader(_ columns: [String], line: Int, name: String) throws {
        var seen = Set<String>()
        for (k, column) in columns.enumerated() {
            let place = "line \(line), column \(k + 1)"
            if column.trimmingCharacters(in: .whitespaces).isEmpty {
                throw NimpError.data(name, place, "empty column name in the header",
                                     hint: k == 0 ? "pandas writes its index as an unnamed first column: save with to_csv(index=False)" : nil)
            }
            guard seen.insert(column).inserted else {
                throw NimpError.data(name, place, "column name \(JSONText.quote(column)) appears twice in the header")
            }
        }
    }
}
