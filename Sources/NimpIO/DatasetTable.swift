import Foundation
import NimpCore

/// What a text cell holds once read as a number.
enum NumberCell {
    /// A finite value that also fits Float32.
    case number(Double)
    case empty
    case notNumber
    /// `nan`, `inf`, `Infinity` and friends.
    case nonFinite
    /// Finite as text but beyond Float32's range (e.g. `1e39`).
    case outOfRange

    /// Reads an ASCII decimal number, ignoring surrounding spaces and tabs.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> NumberCell {
        var start = 0, end = bytes.count
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        guard start < end else { return .empty }
        // Longer than any sensible number: do not build a big string to find out.
        guard end - start <= 64 else {
            let numeric: Set<UInt8> = Set(Array("0123456789.+-".utf8))
            return bytes[start..<end].allSatisfy(numeric.contains) ? .outOfRange : .notNumber
        }
        if let value = fastDecimal(UnsafeBufferPointer(rebasing: bytes[start..<end])) {
            return Float(value).isFinite ? .number(value) : .outOfRange
        }
        // strtod on a NUL-terminated copy: no String per cell (CSV parsing is mostly this).
        let count = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
            let text = buffer.baseAddress!
            for i in 0..<count { text[i] = CChar(bitPattern: bytes[start + i]) }
            text[count] = 0
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(text, &stop)
            guard stop == text + count, count > 0, text[0] > 32 else { return .notNumber }
            guard value.isFinite else {
                let letters = (0..<count).contains { text[$0] == 0x6E || text[$0] == 0x4E }  // "nan", "inf": an n; "1e999": none
                return letters ? .nonFinite : .outOfRange
            }
            return Float(value).isFinite ? .number(value) : .outOfRange
        }
    }

    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// A plain decimal (`-12.5`, `3e-4`) whose digits fit 2^53 and whose power of ten is at
    /// most 22: both are exact doubles, so one multiplication or division rounds correctly
    /// (Clinger's fast path). Anything else is nil and goes to strtod.
    @inline(__always)
    static func fastDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let n = b.count
        var negative = false
        if i < n && (b[i] == 0x2D || b[i] == 0x2B) { negative = b[i] == 0x2D; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, scale = 0
        var sawDigit = false
        while i < n, b[i] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(b[i] &- 0x30)
            if mantissa != 0 { digits += 1 }
            sawDigit = true
            i += 1
        }
        if i < n && b[i] == 0x2E {
            i += 1
            while i < n, b[i] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(b[i] &- 0x30)
                if mantissa != 0 { digits += 1 }
                scale -= 1
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit, digits <= 15 else { return nil }
        if i < n && (b[i] == 0x65 || b[i] == 0x45) {
            i += 1
            var expNegative = false
            if i < n && (b[i] == 0x2D || b[i] == 0x2B) { expNegative = b[i] == 0x2D; i += 1 }
            var e = 0, expDigits = 0
            while i < n, b[i] &- 0x30 < 10, expDigits < 4 {
                e = e * 10 + Int(b[i] &- 0x30)
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            scale += expNegative ? -e : e
        }
        guard i == n, scale >= -22, scale <= 22 else { return nil }
        var value = Double(mantissa)
        value = scale < 0 ? value / powersOfTen[-scale] : value * powersOfTen[scale]
        return negative ? -value : value
    }

    static func parse(_ text: String) -> NumberCell {
        var text = text
        return text.withUTF8 { parse($0) }
    }
}

/// One target cell as read: a number, or a label for classification.
enum TargetCell {
    case number(Double)
    case label(String)
}

/// Rows read from CSV or JSON lines, turned into a `Dataset` once the task is known.
struct DatasetTable {
    let file: String
    let featureNames: [String]
    let targetNames: [String]
    /// How errors name a target's place on a line, e.g. `column 4 ("y")` or `key "y"`.
    let targetPlace: [String]
    var features: [Float] = []
    /// Row-major [rows, targetNames.count].
    var targets: [TargetCell] = []
    /// The line each row came from, for messages.
    var lines: [Int] = []

    init(file: String, featureNames: [String], targetNames: [String], targetPlace: [String]) {
        self.file = file
        self.featureNames = featureNames
        self.targetNames = targetNames
        self.targetPlace = targetPlace
    }

    var rows: Int { lines.count }

    /// Builds the dataset. `task` nil infers it: any non-numeric target makes a
    /// classification, all numeric a regression.
    func dataset(task requested: Task?, source: String) throws -> Dataset {
        guard rows > 0 else { throw NimpError.data(file, nil, "no data rows, expected at least one sample") }
        guard !featureNames.isEmpty else {
            throw NimpError.data(file, "line \(lines[0])", "no feature columns besides the target \(targetNames.joined(separator: ", "))")
        }
        let x = Matrix(rows: rows, cols: featureNames.count, data: features)
        let task = try requested ?? inferredTask()
        switch task {
        case .regression:
            var values = [Float]()
            values.reserveCapacity(targets.count)
            for (k, cell) in targets.enumerated() {
                guard case .number(let v) = cell else {
                    throw cellError(k, "\(cell.summary) is not a number, and a regression target must be numeric")
                }
                let f = Float(v)
                guard f.isFinite else { throw cellError(k, "\(v) is outside the Float32 range") }
                values.append(f)
            }
            let y = Matrix(rows: rows, cols: targetNames.count, data: values)
            return Dataset(x: x, y: .values(y), featureNames: featureNames, targetNames: targetNames, source: source)
        case .classification:
            guard targetNames.count == 1 else {
                throw NimpError.usage("classification takes one target column, got \(targetNames.count): \(targetNames.joined(separator: ", "))")
            }
            let (classes, ids) = Self.encodeClasses(targets)
            return Dataset(x: x, y: .classes(ids), featureNames: featureNames, targetNames: classes, source: source)
        }
    }

    private func inferredTask() throws -> Task {
        guard let firstLabel = targets.firstIndex(where: { if case .label = $0 { return true } else { return false } }) else {
            return .regression
        }
        let numbers = targets.reduce(0) { if case .number = $1 { return $0 + 1 } else { return $0 } }
        if numbers > 0 {
            // A mostly numeric column with a stray word is far more often a typo than a category.
            throw cellError(firstLabel, "\(targets[firstLabel].summary) is not a number, but other rows of this target are",
                            hint: "fix the cell, or make the task classification if the values are categories",
                            parameters: [NimpError.Parameter.task.suggesting("classification")])
        }
        return .classification
    }

    private func cellError(_ index: Int, _ what: String, hint: String? = nil, parameters: [NimpError.Parameter] = []) -> NimpError {
        let row = index / targetNames.count
        return NimpError.data(file, "line \(lines[row]), \(targetPlace[index % targetNames.count])", what, hint: hint, parameters: parameters)
    }

    /// Class names sorted (numerically when all read as numbers, else by UTF-8 bytes), and
    /// each row's class id.
    static func encodeClasses(_ cells: [TargetCell]) -> (classes: [String], ids: [Int32]) {
        let labels = cells.map(\.label)
        var classes = Array(Set(labels))
        let values = classes.map { Double($0) ?? .nan }
        if values.allSatisfy(\.isFinite) {
            let numeric = Dictionary(uniqueKeysWithValues: zip(classes, values))
            classes.sort { a, b in
                let (va, vb) = (numeric[a]!, numeric[b]!)
                return va != vb ? va < vb : a.utf8.lexicographicallyPrecedes(b.utf8)
            }
        } else {
            classes.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        let idOf = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Int32($0)) })
        return (classes, labels.map { idOf[$0]! })
    }
}

extension TargetCell {
    /// The class label this cell stands for; numbers are written canonically ("3", "0.5").
    var label: String {
        switch self {
        case .label(let s): return s
        case .number(let v): return NumberFormat.canonical(v)
        }
    }

    var summary: String {
        switch self {
        case .label(let s): return JSONText.quote(String(s.prefix(40)))
        case .number(let v): return NumberFormat.canonical(v)
        }
    }
}

enum NumberFormat {
    /// Integers without a fraction ("3"), other values in their shortest exact form.
    static func canonical(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
