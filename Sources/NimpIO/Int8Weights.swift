import NimpCore

/// Symmetric per-output-channel int8 weights: `weight[r, c] = Float(values[r * cols + c]) * scales[r]`,
/// values in −127…127. The one int8 codec: the archive stores these and
/// `nimp optimize --quantize int8` evaluates their `dequantized()` floats.
public struct Int8Weights: Equatable, Sendable {
    /// −128 is unused so that q and −q are both representable and zero is exact.
    public static let limit: Float = 127

    public var rows: Int
    public var cols: Int
    public var values: [Int8]
    public var scales: [Float]

    /// Quantizes `weight` row by row with `scale = maxabs / 127` (a row of zeros gets
    /// scale 0). When a row already holds dequantized values (`q * s` for some scale `s`
    /// next to `maxabs / 127`), that exact scale is found, so quantizing decoded weights
    /// gives back their ints and scales bit for bit.
    public init(quantizing weight: Matrix) {
        rows = weight.rows
        cols = weight.cols
        values = []
        values.reserveCapacity(weight.data.count)
        scales = []
        scales.reserveCapacity(weight.rows)
        for r in 0..<weight.rows {
            let (q, scale) = Self.quantize(weight.data[(r * weight.cols)..<((r + 1) * weight.cols)])
            values += q
            scales.append(scale)
        }
    }

    public init(rows: Int, cols: Int, values: [Int8], scales: [Float]) {
        precondition(values.count == rows * cols && scales.count == rows, "int8 weights of the wrong shape")
        self.rows = rows
        self.cols = cols
        self.values = values
        self.scales = scales
    }

    /// The float weights, [rows, cols].
    public func dequantized() -> Matrix {
        var data = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            let scale = scales[r]
            for c in 0..<cols {
                data[r * cols + c] = Float(values[r * cols + c]) * scale
            }
        }
        return Matrix(rows: rows, cols: cols, data: data)
    }

    /// `weight` as the archive will hold it: quantized, then dequantized.
    public static func roundTrip(_ weight: Matrix) -> Matrix {
        Int8Weights(quantizing: weight).dequantized()
    }

    static func quantize(_ row: ArraySlice<Float>) -> ([Int8], Float) {
        let maxAbs = row.reduce(Float(0)) { max($0, abs($1)) }
        guard maxAbs > 0 else { return ([Int8](repeating: 0, count: row.count), 0) }
        let base = maxAbs / limit
        // fl(fl(127·s)/127) is within an ulp of s, so a dequantized row's scale is one of these.
        for scale in [base, base.nextDown, base.nextUp] where scale > 0 {
            let q = row.map { code($0, scale) }
            if zip(q, row).allSatisfy({ Float($0) * scale == $1 }) { return (q, scale) }
        }
        return (row.map { code($0, base) }, base)
    }

    /// The nearest code to `value / scale`, clamped to ±127.
    public static func code(_ value: Float, _ scale: Float) -> Int8 {
        Int8(min(max((value / scale).rounded(), -limit), limit))
    }
}
