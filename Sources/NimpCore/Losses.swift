import Foundation

// Loss kernels: each returns the mean loss (accumulated in Double) and writes the
// gradient with respect to the network's raw outputs into `grad`, already divided by the
// batch so that backward sums give mean gradients.

/// Mean squared error over every element: out, target [rows, cols] -> grad [rows, cols].
/// L = Σ (out - target)² / (rows·cols); ∂L/∂out = 2 (out - target) / (rows·cols).
func mseLoss(_ out: UnsafePointer<Float>, _ target: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>,
             rows: Int, cols: Int) -> Double {
    let n = rows &* cols
    let scale = 2 / Float(n)
    var sum = 0.0
    for i in 0..<n {
        let d = out[i] - target[i]
        sum += Double(d * d)
        grad[i] = scale * d
    }
    return sum / Double(n)
}

/// Writes softmax(logits / temperature) of one row into `p`; returns log Σ exp(logits / T)
/// in the max-shifted form (the log-sum-exp is `shift + log(sum)`), for stable log-probabilities.
@inline(__always)
func softmaxRow(_ z: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>, cols: Int, temperature: Float = 1) -> Double {
    var m = -Float.infinity
    for c in 0..<cols { m = max(m, z[c] / temperature) }
    var sum = 0.0
    for c in 0..<cols {
        let e = Foundation.exp(z[c] / temperature - m)
        p[c] = e
        sum += Double(e)
    }
    let inv = Float(1 / sum)
    for c in 0..<cols { p[c] *= inv }
    return Double(m) + Foundation.log(sum)
}

/// Softmax cross-entropy: logits [rows, cols], labels [rows] -> grad [rows, cols].
/// L = mean over rows of logsumexp(z) - z[label]; ∂L/∂z = (softmax(z) - onehot) / rows.
func crossEntropyLoss(_ logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, grad: UnsafeMutablePointer<Float>,
                      rows: Int, cols: Int) -> Double {
    let invRows = 1 / Float(rows)
    var sum = 0.0
    for r in 0..<rows {
        let z = logits + r &* cols
        let g = grad + r &* cols
        let label = Int(labels[r])
        let lse = softmaxRow(z, g, cols: cols)
        sum += lse - Double(z[label])
        g[label] -= 1
        for c in 0..<cols { g[c] *= invRows }
    }
    return sum / Double(rows)
}

/// Distillation loss (Hinton et al. 2015): soft cross-entropy between the teacher's
/// probabilities and the student's softmax(z / T), scaled by T² so its gradients keep their
/// size as T changes, mixed with hard-label cross-entropy:
/// L = alpha · T² · mean(-Σ p · log softmax(z/T)) + (1 - alpha) · CE(z, hard).
/// Without hard labels the soft term has weight 1. ∂/∂z of the soft term is α·T·(softmax(z/T) - p) / rows.
/// (Cross-entropy rather than KL: they differ by the teacher's entropy, a constant.)
func softCrossEntropyLoss(_ logits: UnsafePointer<Float>, teacher: UnsafePointer<Float>, temperature: Float,
                          hard: UnsafePointer<Int32>?, alpha: Float, grad: UnsafeMutablePointer<Float>,
                          scratch: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> Double {
    let softWeight = hard == nil ? 1 : alpha
    let invRows = 1 / Float(rows)
    let t = temperature
    var sum = 0.0
    for r in 0..<rows {
        let z = logits + r &* cols
        let p = teacher + r &* cols
        let g = grad + r &* cols
        let lse = softmaxRow(z, g, cols: cols, temperature: t)
        var soft = 0.0
        for c in 0..<cols {
            soft -= Double(p[c]) * (Double(z[c] / t) - lse)
            g[c] = softWeight * t * (g[c] - p[c]) * invRows
        }
        sum += Double(softWeight * t * t) * soft
        if let hard, alpha < 1 {
            let label = Int(hard[r])
            let hardLSE = softmaxRow(z, scratch, cols: cols)
            sum += Double(1 - alpha) * (hardLSE - Double(z[label]))
            scratch[label] -= 1
            for c in 0..<cols { g[c] += (1 - alpha) * scratch[c] * invRows }
        }
    }
    return sum / Double(rows)
}

/// The losses on whole matrices, for callers outside the training loop and for tests.
public enum Loss {
    /// Mean squared error and its gradient with respect to `output`.
    public static func mse(output: Matrix, target: Matrix) -> (loss: Double, gradient: Matrix) {
        precondition(output.rows == target.rows && output.cols == target.cols)
        var g = Matrix(rows: output.rows, cols: output.cols)
        if g.data.isEmpty { return (0, g) }
        let loss = output.withUnsafeBufferPointer { o in
            target.withUnsafeBufferPointer { t in
                g.data.withUnsafeMutableBufferPointer { gp in
                    mseLoss(o.baseAddress!, t.baseAddress!, grad: gp.baseAddress!, rows: output.rows, cols: output.cols)
                }
            }
        }
        return (loss, g)
    }

    /// Softmax cross-entropy of `logits` against class ids, and its gradient.
    public static func crossEntropy(logits: Matrix, labels: [Int32]) -> (loss: Double, gradient: Matrix) {
        precondition(labels.count == logits.rows)
        var g = Matrix(rows: logits.rows, cols: logits.cols)
        if g.data.isEmpty { return (0, g) }
        let loss = logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { l in
                g.data.withUnsafeMutableBufferPointer { gp in
                    crossEntropyLoss(z.baseAddress!, labels: l.baseAddress!, grad: gp.baseAddress!, rows: logits.rows, cols: logits.cols)
                }
            }
        }
        return (loss, g)
    }

    /// The distillation loss (see `TrainingTargets.soft`) and its gradient.
    public static func softCrossEntropy(logits: Matrix, teacher: Matrix, temperature: Float, hard: [Int32]?,
                                        alpha: Float) -> (loss: Double, gradient: Matrix) {
        precondition(teacher.rows == logits.rows && teacher.cols == logits.cols)
        var g = Matrix(rows: logits.rows, cols: logits.cols)
        if g.data.isEmpty { return (0, g) }
        var scratch = [Float](repeating: 0, count: logits.cols)
        let hardLabels = hard ?? []
        let loss = logits.withUnsafeBufferPointer { z in
            teacher.withUnsafeBufferPointer { p in
                hardLabels.withUnsafeBufferPointer { h in
                    g.data.withUnsafeMutableBufferPointer { gp in
                        scratch.withUnsafeMutableBufferPointer { s in
                            softCrossEntropyLoss(z.baseAddress!, teacher: p.baseAddress!, temperature: temperature,
                                                 hard: hard == nil ? nil : h.baseAddress!, alpha: alpha,
                                                 grad: gp.baseAddress!, scratch: s.baseAddress!, rows: logits.rows, cols: logits.cols)
                        }
                    }
                }
            }
        }
        return (loss, g)
    }
}
