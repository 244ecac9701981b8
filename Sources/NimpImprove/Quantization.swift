import NimpCore
import NimpIO

/// Int8 weights of one layer, quantized symmetrically per output channel (row):
/// `weight[r, c] ≈ q[r * cols + c] * scales[r]` with `scales[r] = max|weight[r, :]| / 127`.
public struct Int8Channels: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    public var q: [Int8]
    public var scales: [Float]
}

/// How far quantized weights moved from the float ones, over a whole model.
public struct RoundTripError: Codable, Equatable, Sendable {
    /// Largest |w − ŵ| over all weights.
    public var maxAbs: Double
    /// Root mean square of w − ŵ.
    public var rms: Double
    /// `rms` divided by the root mean square of the weights themselves.
    public var relativeRMS: Double
    /// Largest per-weight error divided by its channel's scale (int8; ≤ 0.5 by
    /// construction). Zero for f16.
    public var maxErrorOverScale: Double

    enum CodingKeys: String, CodingKey {
        case maxAbs = "max_abs"
        case rms
        case relativeRMS = "relative_rms"
        case maxErrorOverScale = "max_error_over_scale"
    }
}

/// Post-training weight quantization. Biases stay F32. A quantized layer keeps its
/// dequantized weights in memory, so inference on the in-memory model equals inference
/// on the archive it is written to.
public enum Quantization {
    /// Symmetric int8 range: −127…127 (−128 is unused so that q and −q are both
    /// representable and zero is exact).
    public static let int8Limit: Float = 127

    /// Per-output-channel symmetric int8 quantization. A channel of zeros gets scale 0
    /// and quantizes to zeros.
    public static func quantizeInt8(_ weight: Matrix) -> Int8Channels {
        var q = [Int8](repeating: 0, count: weight.data.count)
        var scales = [Float](repeating: 0, count: weight.rows)
        for r in 0..<weight.rows {
            let row = weight.data[(r * weight.cols)..<((r + 1) * weight.cols)]
            let maxAbs = row.reduce(Float(0)) { max($0, abs($1)) }
            let scale = maxAbs / int8Limit
            scales[r] = scale
            guard scale > 0 else { continue }
            for (c, w) in row.enumerated() {
                q[r * weight.cols + c] = Int8(max(-int8Limit, min(int8Limit, (w / scale).rounded())))
            }
        }
        return Int8Channels(rows: weight.rows, cols: weight.cols, q: q, scales: scales)
    }

    /// `q * scale`, per channel.
    public static func dequantize(_ w: Int8Channels) -> Matrix {
        var out = Matrix(rows: w.rows, cols: w.cols)
        for r in 0..<w.rows {
            for c in 0..<w.cols {
                out.data[r * w.cols + c] = Float(w.q[r * w.cols + c]) * w.scales[r]
            }
        }
        return out
    }

    /// Largest finite IEEE half-precision value.
    public static let f16Limit: Float = 65504

    /// Each weight rounded to the nearest IEEE half-precision value (ties to even, as the
    /// archive writer rounds).
    public static func roundedToF16(_ weight: Matrix) throws -> Matrix {
        if let big = weight.data.first(where: { !$0.isFinite || abs($0) > f16Limit }) {
            throw NimpError(.dataError, "a weight (\(big)) is outside the f16 range ±\(f16Limit); use --quantize int8")
        }
        return Matrix(rows: weight.rows, cols: weight.cols, data: weight.data.map { Half.float(Half.bits($0)) })
    }

    /// `model` with every layer's weights stored as `storage` and replaced by their
    /// dequantized values, and the error that caused. Pruned weights (zeros) stay zero.
    public static func quantized(_ model: Model, to storage: WeightStorage) throws -> (model: Model, error: RoundTripError) {
        var out = model
        var sumSquaredError = 0.0, sumSquared = 0.0, maxAbs = 0.0, maxOverScale = 0.0
        var count = 0
        for (i, layer) in model.layers.enumerated() {
            let w = layer.weight
            let rounded: Matrix
            switch storage {
            case .f32: rounded = w
            case .f16: rounded = try roundedToF16(w)
            case .int8:
                let q = quantizeInt8(w)
                rounded = dequantize(q)
                for r in 0..<w.rows where q.scales[r] > 0 {
                    for c in 0..<w.cols {
                        let e = Double(abs(w[r, c] - rounded[r, c])) / Double(q.scales[r])
                        maxOverScale = max(maxOverScale, e)
                    }
                }
            }
            for (a, b) in zip(w.data, rounded.data) {
                let e = Double(a - b)
                sumSquaredError += e * e
                sumSquared += Double(a) * Double(a)
                maxAbs = max(maxAbs, abs(e))
            }
            count += w.data.count
            out.layers[i].weight = rounded
            out.layers[i].storage = storage
        }
        let rms = count == 0 ? 0 : (sumSquaredError / Double(count)).squareRoot()
        let weightRMS = count == 0 ? 0 : (sumSquared / Double(count)).squareRoot()
        return (out, RoundTripError(maxAbs: maxAbs, rms: rms, relativeRMS: weightRMS > 0 ? rms / weightRMS : 0,
                                    maxErrorOverScale: maxOverScale))
    }
}
