/// Per-column mean and standard deviation of `x` [N, features] (population std, Double
/// accumulation, two passes). A constant column gets std 1 so it maps to 0, not NaN.
public func fitNormalizer(_ x: Matrix) -> Normalizer {
    let n = x.rows, f = x.cols
    guard n > 0 else { return .identity(features: f) }
    var mean = [Double](repeating: 0, count: f)
    var sq = [Double](repeating: 0, count: f)
    // Two passes in chunks (a mapped x keeps only a chunk resident).
    x.forEachChunk { p, rows in
        for r in 0..<rows.count {
            for c in 0..<f { mean[c] += Double(p[r &* f &+ c]) }
        }
    }
    for c in 0..<f { mean[c] /= Double(n) }
    x.forEachChunk { p, rows in
        for r in 0..<rows.count {
            for c in 0..<f {
                let d = Double(p[r &* f &+ c]) - mean[c]
                sq[c] += d * d
            }
        }
    }
    let std = sq.map { s -> Float in
        let v = Float((s / Double(n)).squareRoot())
        return v > 0 && v.isFinite ? v : 1
    }
    return Normalizer(mean: mean.map { Float($0) }, std: std)
}

extension Normalizer {
    /// `(x - mean) / std` for every row.
    public func apply(_ x: Matrix) -> Matrix {
        precondition(x.cols == mean.count, "normalizer has \(mean.count) features, data \(x.cols)")
        var out = Matrix(rows: x.rows, cols: x.cols)
        if x.rows == 0 || x.cols == 0 { return out }
        let inv = std.map { 1 / $0 }
        x.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                mean.withUnsafeBufferPointer { m in
                    inv.withUnsafeBufferPointer { s in
                        gatherNormalized(src.baseAddress!, cols: x.cols, rows: 0..<x.rows, mean: m.baseAddress!,
                                         invStd: s.baseAddress!, into: dst.baseAddress!)
                    }
                }
            }
        }
        return out
    }
}

/// Copies rows of `src` [*, cols], standardised, into `dst` [count, cols]: row i of dst is
/// source row `indices[i]` (or `start + i` when indices is nil).
/// x' = (x - mean) · invStd; multiplying by the reciprocal differs from dividing by
/// at most 1 ulp and the reciprocal is what every path (training, predict, Predictor) uses.
@inline(__always)
func gatherNormalized(_ src: UnsafePointer<Float>, cols: Int, indices: UnsafePointer<UInt32>?, start: Int, count: Int,
                      mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
    for i in 0..<count {
        let row = indices.map { Int($0[i]) } ?? (start &+ i)
        let s = src + row &* cols
        let d = dst + i &* cols
        for c in 0..<cols { d[c] = (s[c] - mean[c]) * invStd[c] }
    }
}

func gatherNormalized(_ src: UnsafePointer<Float>, cols: Int, rows: Range<Int>,
                      mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
    gatherNormalized(src, cols: cols, indices: nil, start: rows.lowerBound, count: rows.count, mean: mean, invStd: invStd, into: dst)
}
