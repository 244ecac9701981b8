import Foundation
import NimpCore

/// Writes datasets as CSV and JSON lines. Numbers are written in their shortest form
/// that reads back to the same Float, so a round trip is exact.
enum DatasetText {
    static func csv(_ d: Dataset) -> Data {
        let header = d.featureNames + targetColumns(d)
        var out = Array((header.map(csvField).joined(separator: ",") + "\n").utf8)
        let labels = classLabels(d, format: csvField)
        for r in 0..<d.count {
            var line = ""
            for c in 0..<d.features {
                if c > 0 { line += "," }
                line += number(d.x[r, c])
            }
            switch d.y {
            case .values(let m):
                for c in 0..<m.cols { line += "," + number(m[r, c]) }
            case .classes(let ids):
                line += "," + labels[Int(ids[r])]
            }
            line += "\n"
            out.append(contentsOf: line.utf8)
        }
        return Data(out)
    }

    static func jsonl(_ d: Dataset) -> Data {
        let featureKeys = d.featureNames.map { JSONText.quote($0) + ":" }
        let targetKeys = targetColumns(d).map { JSONText.quote($0) + ":" }
        let labels = classLabels(d, format: JSONText.quote)
        var out: [UInt8] = []
        for r in 0..<d.count {
            var line = "{"
            for c in 0..<d.features {
                if c > 0 { line += "," }
                line += featureKeys[c] + jsonNumber(d.x[r, c])
            }
            if d.features > 0 { line += "," }
            switch d.y {
            case .values(let m):
                line += (0..<m.cols).map { targetKeys[$0] + jsonNumber(m[r, $0]) }.joined(separator: ",")
            case .classes(let ids):
                line += targetKeys[0] + labels[Int(ids[r])]
            }
            line += "}\n"
            out.append(contentsOf: line.utf8)
        }
        return Data(out)
    }

    private static func targetColumns(_ d: Dataset) -> [String] {
        d.task == .regression ? d.targetNames : [DatasetIO.labelColumn(for: d)]
    }

    private static func classLabels(_ d: Dataset, format: (String) -> String) -> [String] {
        d.task == .classification ? d.targetNames.map(format) : []
    }

    /// Shortest decimal that reads back as the same Float ("0.1", "1e-05", "3.0").
    static func number(_ v: Float) -> String { v.description }

    /// JSON has no NaN: a missing or non-finite value is null, as `JSONCoding` writes it.
    static func jsonNumber(_ v: Float) -> String { v.isFinite ? v.description : "null" }

    /// A CSV field, quoted when it holds a comma, quote, line break or edge spaces.
    static func csvField(_ s: String) -> String {
        let needsQuotes = s.isEmpty || s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            || s.first?.isWhitespace == true || s.last?.isWhitespace == true
        return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
