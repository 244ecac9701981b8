import Foundation
import NimpCore

/// Reads JSON lines: one JSON value per line, `\n` or `\r\n` ended.
///
/// Datasets are one object per line whose keys are the same on every line (any
/// order): the target key(s) and numeric features. Rejected with the line number
/// (exit 65): a torn last line, invalid UTF-8, `NaN`/`Infinity` literals, lines that
/// are not objects, missing, extra or duplicate keys, non-numeric features.
public enum JSONLReader {
    /// Most keys per object, or numbers per array, on one line.
    public static let maxItems = CSVReader.maxColumns

    /// Reads a dataset; `target` names the target key(s), every other key is a feature
    /// in the order of the first line.
    public static func read(data: Data, name: String, target: [String], task: Task?,
                            diagnostics: any DiagnosticSink = DiscardingSink()) throws -> Dataset {
        try DatasetIO.decode(data, name: name, format: .jsonl, options: TableOptions(target: target, task: task, diagnostics: diagnostics))
    }

    /// Parses one line holding a JSON array of finite numbers (a bare number is read as
    /// a one-element array), as teacher commands write. Errors name `file` and `line`.
    public static func parseNumberArrayLine(_ text: Substring, file: String, line: Int) throws -> [Float] {
        var copy = String(text)
        return try copy.withUTF8 { bytes in
            let value = try parseLine(bytes, file: file, line: line, terminated: true)
            let elements: [JSONValue]
            switch value {
            case .array(let a): elements = a
            case .int, .unsigned, .number: elements = [value]
            default: throw NimpError.data(file, "line \(line)", "expected a JSON array of numbers, found \(value.summary)")
            }
            return try elements.enumerated().map { k, element in
                try finiteFloat(element, file: file, place: "line \(line), element \(k + 1)")
            }
        }
    }

    /// `parseNumberArrayLine` for a String.
    public static func parseNumberArrayLine(_ text: String, file: String, line: Int) throws -> [Float] {
        try parseNumberArrayLine(Substring(text), file: file, line: line)
    }

    // MARK: Lines

    /// Calls `body` with each non-blank line (without its line break), its 1-based
    /// number, and whether a line break ended it. A leading UTF-8 BOM is skipped.
    static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>,
                            _ body: (UnsafeBufferPointer<UInt8>, Int, Bool) throws -> Void) rethrows {
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var number = 1
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != 0x0A { end += 1 }
            let terminated = end < n
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { try body(line, number, terminated) }
            start = end + 1
            number += 1
        }
    }

    /// Parses one line, turning syntax errors into messages that name the line.
    static func parseLine(_ line: UnsafeBufferPointer<UInt8>, file: String, line number: Int, terminated: Bool) throws -> JSONValue {
        do {
            return try JSONParser.parse(line, maxItems: maxItems)
        } catch let e as JSONSyntaxError {
            if String(validating: line, as: UTF8.self) == nil {
                let bad = firstInvalidUTF8(line)
                throw NimpError.data(file, "line \(number), byte \(bad + 1)", "line is not valid UTF-8")
            }
            if !terminated && e.kind == .truncated {
                throw NimpError.data(file, "line \(number)", "the last line is cut short (\(e.message)); was the file still being written?")
            }
            throw NimpError.data(file, "line \(number), column \(e.offset + 1)", e.message)
        }
    }

    private static func firstInvalidUTF8(_ line: UnsafeBufferPointer<UInt8>) -> Int {
        var good = 0
        for end in stride(from: 1, through: line.count, by: 1) {
            if String(validating: UnsafeBufferPointer(rebasing: line[good..<end]), as: UTF8.self) != nil { good = end }
            else if end - good >= 4 { return good }
        }
        return good
    }

    static func finiteFloat(_ value: JSONValue, file: String, place: String) throws -> Float {
        guard let d = value.double else {
            throw NimpError.data(file, place, "expected a number, found \(value.summary)")
        }
        guard Float(d).isFinite else {
            throw NimpError.data(file, place, "\(value.summary) is outside the Float32 range")
        }
        return Float(d)
    }
}
