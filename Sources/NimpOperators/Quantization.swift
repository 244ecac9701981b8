import NimpCore
import NimpIO

/// How far quantized weights moved from the float ones, over a whole model.
public struct RoundTripError: Codable, Equatable, Sendable {
    /// Largest |w − ŵ| over all weights.
    public var maxAbs: Double
    /// Root mean square of w − ŵ.
    public var rms: Double
    /// `rms` divided by the root mean square of the weights themselves.
    public var relativeRMS: Double
    /// Largest per-weight error divided by its channel's scale (int8): ≤ 0.5 for plain
    /// rounding; larger for `CompensatingQuantizer`, which moves weights to keep outputs.
    /// Zero for f16.
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
/// on the archive it is written to. Int8 is `Int8Weights`, the archive's own codec.
public enum Quantization {
    /// Largest finite IEEE half-precision value.
    public static let f16Limit: Float = 65504

    /// Each weight rounded to the nearest IEEE half-precision value (ties to even, as the
    /// archive writer rounds).
    public static func roundedToF16(_ weight: Matrix) throws -> Matrix {
        if let big = weight.data.first(where: { !$0.isFinite || abs($0) > f16Limit }) {
            throw NimpError(.dataError, "a weight (\(big)) is outside the f16 range ±\(f16Limit); quantize to int8",
                            parameters: [NimpError.Parameter.quantization.suggesting("int8")])
        }
        return Matrix(rows: weight.rows, cols: weight.cols, data: weight.data.map { Half.float(Half.bits($0)) })
    }

    /// `model` with every layer's weights stored as `storage` and replaced by their
    /// dequantized values, and the error that caused. Pruned weights (zeros) stay zero.
    public static func quantized(_ model: Model, to storage: WeightStorage) throws -> (model: Model, error: RoundTripError) {
        var out = model
        for (i, layer) in model.layers.enumerated() {
            switch storage {
            case .f32: continue
            case .f16: out.layers[i].weight = try roundedToF16(layer.weight)
            case .int8: out.layers[i].weight = Int8Weights.roundTrip(layer.weight)
            }
            out.layers[i].storage = storage
        }
        return (out, roundTripError(from: model, to: out))
    }

    /// How far `quantized`'s weights are from `model`'s (same shapes). The per-scale
    /// error uses each int8 row's scale, `max|ŵ| / 127`.
    public static func roundTripError(from model: Model, to quantized: Model) -> RoundTripError {
        var sumSquaredError = 0.0, sumSquared = 0.0, maxAbs = 0.0, maxOverScale = 0.0
        var count = 0
        for (a, b) in zip(model.layers, quantized.layers) {
            for r in 0..<a.weight.rows {
                var rowMax: Float = 0
                for c in 0..<b.weight.cols { rowMax = max(rowMax, abs(b.weight[r, c])) }
                let scale = Double(rowMax / Int8Weights.limit)
                for c in 0..<a.weight.cols {
                    let e = Double(a.weight[r, c] - b.weight[r, c])
                    sumSquaredError += e * e
                    sumSquared += Double(a.weight[r, c]) * Double(a.weight[r, c])
                    maxAbs = max(maxAbs, abs(e))
                    if b.storage == .int8 && scale > 0 { maxOverScale = max(maxOverScale, abs(e) / scale) }
                }
            }
            count += a.weight.data.count
        }
        let rms = count == 0 ? 0 : (sumSquaredError / Double(count)).squareRoot()
        let weightRMS = count == 0 ? 0 : (sumSquared / Double(count)).squareRoot()
        return RoundTripError(maxAbs: maxAbs, rms: rms, relativeRMS: weightRMS > 0 ? rms / weightRMS : 0,
                              maxErrorOverScale: maxOverScale)
    }
}

/// Int8 quantization that uses data: each layer's rounding errors are compensated by the
/// weights not yet rounded (GPTQ, Frantar et al. 2022), and the mean shift that is left
/// is folded into the layer's F32 bias.
///
/// Layers are quantized first to last. For layer `l`, `X` are its inputs in the network
/// whose earlier layers are already quantized, over the calibration rows, and
/// `H = XᵀX + λI` (λ = `dampening` × mean diagonal). Columns are rounded in order; the
/// error of column `i`, divided by `U[i, i]` where `UᵀU = H⁻¹`, is subtracted from the
/// later columns along row `i` of `U` — the least-squares correction that keeps `W·x`
/// closest on the calibration inputs. Every row keeps its scale `max|w| / 127` from the
/// float weights, and a last plain round trip makes the result canonical, so that an
/// archive stores exactly these values. Masked (pruned) weights stay zero.
public enum CompensatingQuantizer {
    public static let dampening = 0.01
    /// Calibration rows per candidate: plenty for a Hessian of a few hundred inputs.
    public static let chunkRows = 4096
    /// Rows the candidates are scored on.
    public static let scoringRows = 16384

    /// Which rounding to keep. Rounding decisions interact, so the outcome varies with
    /// the calibration rows; this tries plain rounding and compensating rounding
    /// calibrated on `candidates` different chunks of `inputs`, and keeps the model
    /// whose outputs on `inputs` stay closest (mean squared difference of values or
    /// logits) to the float model's. Uses inputs only, never labels.
    public static func best(_ model: Model, inputs: Matrix, candidates: Int = 4) throws -> (model: Model, error: RoundTripError) {
        let scoring = evenlySpacedRows(inputs, count: scoringRows)
        let reference = model.predict(scoring)
        func distance(_ m: Model) -> Double {
            let out = m.predict(scoring)
            return zip(out.data, reference.data).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        }
        var best = try Quantization.quantized(model, to: .int8)
        var bestDistance = distance(best.model)
        let rows = min(chunkRows, inputs.rows)
        for k in 0..<max(0, candidates) where inputs.rows > 0 {
            let start = inputs.rows * k / max(1, candidates)
            let chunk = inputs.rows(Array((0..<rows).map { (start + $0) % inputs.rows }))
            let candidate = try quantized(model, calibration: chunk)
            let d = distance(candidate.model)
            if d < bestDistance { (best, bestDistance) = (candidate, d) }
        }
        return best
    }

    static func evenlySpacedRows(_ x: Matrix, count: Int) -> Matrix {
        guard x.rows > count else { return x }
        return x.rows(Array(Swift.stride(from: 0, to: x.rows, by: x.rows / count).prefix(count)))
    }

    /// `model` with int8 weights chosen to keep outputs on `calibration` (raw inputs)
    /// close to the float model's, and the weight error that caused.
    public static func quantized(_ model: Model, calibration: Matrix) throws -> (model: Model, error: RoundTripError) {
        var out = model
        for l in 0..<model.layers.count {
            let floatInputs = layerInputs(model, layer: l, on: calibration)
            let quantizedInputs = l == 0 ? floatInputs : layerInputs(out, layer: l, on: calibration)
            let layer = model.layers[l]
            var weight = compensated(layer.weight, mask: layer.mask, inputs: quantizedInputs)
            weight = Int8Weights.roundTrip(weight)
            out.layers[l].weight = weight
            out.layers[l].storage = .int8
            out.layers[l].bias = correctedBias(layer.bias, float: layer.weight, floatInputs: floatInputs,
                                               quantized: weight, quantizedInputs: quantizedInputs)
        }
        return (out, Quantization.roundTripError(from: model, to: out))
    }

    /// The inputs of layer `l` for raw rows `x`: normalised `x` for the first layer, the
    /// previous layer's activations otherwise.
    static func layerInputs(_ model: Model, layer l: Int, on x: Matrix) -> Matrix {
        guard l > 0 else {
            var z = x
            for r in 0..<x.rows {
                for c in 0..<x.cols {
                    let std = model.normalizer.std[c]
                    z[r, c] = (x[r, c] - model.normalizer.mean[c]) / (std > 0 ? std : 1)
                }
            }
            return z
        }
        let head = Model(task: model.task, layers: Array(model.layers[0..<l]), normalizer: model.normalizer,
                         featureNames: model.featureNames, targetNames: (0..<model.layers[l - 1].outputs).map { "h\($0)" })
        return head.predict(x)
    }

    /// GPTQ on one weight matrix [out, in] with inputs [n, in].
    static func compensated(_ weight: Matrix, mask: Matrix?, inputs x: Matrix) -> Matrix {
        let rows = weight.rows, cols = weight.cols
        let scales = (0..<rows).map { r in
            (0..<cols).reduce(Float(0)) { max($0, abs(weight[r, $1])) } / Int8Weights.limit
        }
        guard let u = inverseHessianFactor(x) else { return weight }
        var w = weight.data.map(Double.init)
        for i in 0..<cols {
            for r in 0..<rows {
                let s = Double(scales[r])
                let value = w[r * cols + i]
                let limit = Double(Int8Weights.limit)
                let q = s > 0 ? max(-limit, min(limit, (value / s).rounded())) * s : 0
                let error = (value - q) / u[i * cols + i]
                w[r * cols + i] = q
                for j in (i + 1)..<cols where mask.map({ $0[r, j] != 0 }) ?? true {
                    w[r * cols + j] -= error * u[i * cols + j]
                }
            }
        }
        return Matrix(rows: rows, cols: cols, data: w.map(Float.init))
    }

    /// Upper-triangular `U` with `UᵀU = (XᵀX + λI)⁻¹`, row-major; nil if `X` is empty.
    static func inverseHessianFactor(_ x: Matrix) -> [Double]? {
        let n = x.cols
        guard x.rows > 0, n > 0 else { return nil }
        var h = [Double](repeating: 0, count: n * n)
        for r in 0..<x.rows {
            for i in 0..<n {
                let a = Double(x[r, i])
                guard a != 0 else { continue }
                for j in i..<n { h[i * n + j] += a * Double(x[r, j]) }
            }
        }
        for i in 0..<n { for j in 0..<i { h[i * n + j] = h[j * n + i] } }
        let meanDiagonal = (0..<n).reduce(0.0) { $0 + h[$1 * n + $1] } / Double(n)
        var damp = max(dampening * meanDiagonal, 1e-8)
        for _ in 0..<6 {
            var damped = h
            for i in 0..<n { damped[i * n + i] += damp }
            if let l = cholesky(damped, n), let inverse = inverseFromCholesky(l, n), let l2 = cholesky(inverse, n) {
                var u = [Double](repeating: 0, count: n * n)
                for i in 0..<n { for j in i..<n { u[i * n + j] = l2[j * n + i] } }
                return u
            }
            damp *= 10
        }
        return nil
    }

    /// Lower-triangular `L` with `LLᵀ = a`, or nil when `a` is not positive definite.
    static func cholesky(_ a: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        return l
    }

    /// `(LLᵀ)⁻¹` from the Cholesky factor `L`.
    static func inverseFromCholesky(_ l: [Double], _ n: Int) -> [Double]? {
        // L⁻¹ by forward substitution, then (L⁻¹)ᵀL⁻¹.
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            inv[i * n + i] = 1 / l[i * n + i]
            for j in 0..<i {
                var sum = 0.0
                for k in j..<i { sum -= l[i * n + k] * inv[k * n + j] }
                inv[i * n + j] = sum / l[i * n + i]
            }
        }
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = 0.0
                for k in i..<n { sum += inv[k * n + i] * inv[k * n + j] }
                out[i * n + j] = sum
                out[j * n + i] = sum
            }
        }
        return out.allSatisfy(\.isFinite) ? out : nil
    }

    /// `bias + W·mean(X) − Ŵ·mean(X̂)`: the quantized layer's mean pre-activation over
    /// the calibration rows equals the float layer's.
    static func correctedBias(_ bias: [Float], float w: Matrix, floatInputs x: Matrix, quantized q: Matrix,
                              quantizedInputs xq: Matrix) -> [Float] {
        func columnMeans(_ m: Matrix) -> [Double] {
            var means = [Double](repeating: 0, count: m.cols)
            for r in 0..<m.rows { for c in 0..<m.cols { means[c] += Double(m[r, c]) } }
            return means.map { $0 / Double(max(1, m.rows)) }
        }
        let mean = columnMeans(x), meanQ = columnMeans(xq)
        return bias.enumerated().map { r, b in
            var shift = 0.0
            for c in 0..<w.cols { shift += Double(w[r, c]) * mean[c] - Double(q[r, c]) * meanQ[c] }
            return b + Float(shift)
        }
    }
}
