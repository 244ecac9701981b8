import NimpCore

/// Symmetric per-output-channel int8 weights: `weight[r, c] = Float(values[r, c]) * scales[r]`,
/// values in -127...127.
struct Int8Weights: Equatable {
    var values: [Int8]
    var scales: [Float]

    /// Quantizes `weight` row by row with `scale = maxabs / 127`. When a row already
    /// holds dequantized values (`q * s` for some scale `s` next to `maxabs / 127`), that
    /// exact scale is found, so quantizing a decoded archive gives back its ints and
    /// its scales bit for bit.
    init(quantizing weight: Matrix) {
        values = []
        values.reserveCapacity(weight.data.count)
        scales = []
        scales.reserveCapacity(weight.rows)
        for r in 0..<weight.rows {
            let row = weight.data[(r * weight.cols)..<((r + 1) * weight.cols)]
            let (q, scale) = Self.quantize(row)
            values += q
            scales.append(scale)
        }
    }

    init(values: [Int8], scales: [Float]) {
        self.values = values
        self.scales = scales
    }

    /// The float weights, [rows, values.count / rows].
    func dequantized(rows: Int, cols: Int) -> Matrix {
        var data = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            let scale = scales[r]
            for c in 0..<cols {
                data[r * cols + c] = Float(values[r * cols + c]) * scale
            }
        }
        return Matrix(rows: rows, cols: cols, data: data)
    }

    static func quantize(_ row: ArraySlice<Float>) -> ([Int8], Float) {
        let maxAbs = row.reduce(Float(0)) { max($0, abs($1)) }
        guard maxAbs > 0 else { return ([Int8](repeating: 0, count: row.count), 0) }
        let base = maxAbs / 127
        for scale in [base, base.nextDown, base.nextUp] where scale > 0 {
            let q = row.map { code($0, scale) }
            if zip(q, row).allSatisfy({ Float($0) * scale == $1 }) { return (q, scale) }
        }
        return (row.map { code($0, base) }, base)
    }

    static func code(_ value: Float, _ scale: Float) -> Int8 {
        Int8((value / scale).rounded().clamped(to: -127...127))
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
