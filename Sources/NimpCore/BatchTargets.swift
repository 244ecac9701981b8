/// Raw pointers to one `TrainingTargets`' data, valid inside `withPointers`.
struct TargetPointers {
    enum Kind { case values, classes, soft }
    var kind: Kind
    /// values: [N, cols] targets; soft: [N, cols] teacher probabilities.
    var values: UnsafePointer<Float>?
    /// classes: labels; soft: the optional hard labels.
    var labels: UnsafePointer<Int32>?
    var cols: Int
    var temperature: Float = 1
    var alpha: Float = 1

    /// The batch loss of `out` [rows, cols] against the targets of rows `indices[0..<rows]`
    /// (or `start ..< start + rows`); writes ∂L/∂out into `grad`.
    @inline(__always)
    func loss(_ out: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>, indices: UnsafePointer<UInt32>?, start: Int,
              rows: Int, buffers: TargetBuffers) -> Double {
        switch kind {
        case .values:
            let t = gatherRows(values!, indices: indices, start: start, rows: rows, into: buffers.values)
            return mseLoss(out, t, grad: grad, rows: rows, cols: cols)
        case .classes:
            let l = gatherLabels(labels!, indices: indices, start: start, rows: rows, into: buffers.labels)
            return crossEntropyLoss(out, labels: l, grad: grad, rows: rows, cols: cols)
        case .soft:
            let p = gatherRows(values!, indices: indices, start: start, rows: rows, into: buffers.values)
            let l = labels.map { gatherLabels($0, indices: indices, start: start, rows: rows, into: buffers.labels) }
            return softCrossEntropyLoss(out, teacher: p, temperature: temperature, hard: l, alpha: alpha, grad: grad,
                                        scratch: buffers.scratch, rows: rows, cols: cols)
        }
    }

    /// The class of row `r` for accuracy: its label, or the teacher's arg-max.
    @inline(__always)
    func label(_ r: Int) -> Int {
        if let labels { return Int(labels[r]) }
        return argmax(values! + r &* cols, cols)
    }

    @inline(__always)
    private func gatherRows(_ src: UnsafePointer<Float>, indices: UnsafePointer<UInt32>?, start: Int, rows: Int,
                            into dst: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard let indices else { return src + start &* cols }
        for i in 0..<rows { (dst + i &* cols).update(from: src + Int(indices[i]) &* cols, count: cols) }
        return UnsafePointer(dst)
    }

    @inline(__always)
    private func gatherLabels(_ src: UnsafePointer<Int32>, indices: UnsafePointer<UInt32>?, start: Int, rows: Int,
                              into dst: UnsafeMutablePointer<Int32>) -> UnsafePointer<Int32> {
        guard let indices else { return src + start }
        for i in 0..<rows { dst[i] = src[Int(indices[i])] }
        return UnsafePointer(dst)
    }
}

/// Per-batch target buffers, allocated once per run.
final class TargetBuffers {
    let values: UnsafeMutablePointer<Float>
    let labels: UnsafeMutablePointer<Int32>
    let scratch: UnsafeMutablePointer<Float>

    init(rows: Int, cols: Int) {
        values = .allocate(capacity: rows * cols)
        labels = .allocate(capacity: rows)
        scratch = .allocate(capacity: cols)
    }

    deinit { values.deallocate(); labels.deallocate(); scratch.deallocate() }
}

extension TrainingTargets {
    /// `outputs`: the network's outputs (regression values or classes).
    func withPointers<R>(outputs: Int, _ body: (TargetPointers) throws -> R) rethrows -> R {
        switch self {
        case .values(let m):
            return try m.withUnsafeBufferPointer {
                try body(TargetPointers(kind: .values, values: $0.baseAddress, labels: nil, cols: m.cols))
            }
        case .classes(let c):
            return try c.withUnsafeBufferPointer {
                try body(TargetPointers(kind: .classes, values: nil, labels: $0.baseAddress, cols: outputs))
            }
        case .soft(let p, let t, let hard, let alpha):
            return try p.withUnsafeBufferPointer { pp in
                let base = TargetPointers(kind: .soft, values: pp.baseAddress, labels: nil, cols: p.cols, temperature: t, alpha: alpha)
                guard let hard else { return try body(base) }
                return try hard.withUnsafeBufferPointer { h in
                    var withHard = base
                    withHard.labels = h.baseAddress
                    return try body(withHard)
                }
            }
        }
    }
}

/// Streaming accuracy (classification) or R² (regression) over a validation set whose
/// target means are computed once.
final class ValidationStats {
    private let classification: Bool
    private let outputs: Int
    private var correct = 0, seen = 0
    private var sse: [Double]
    private var sst: [Double]
    private var mean: [Double]

    init(targets: TrainingTargets, outputs: Int) {
        self.outputs = outputs
        sse = [Double](repeating: 0, count: outputs)
        sst = [Double](repeating: 0, count: outputs)
        mean = [Double](repeating: 0, count: outputs)
        guard case .values(let y) = targets else { classification = true; return }
        classification = false
        let cols = y.cols
        y.forEachChunk { p, rows in
            for r in 0..<rows.count { for c in 0..<outputs { mean[c] += Double(p[r &* cols &+ c]) } }
        }
        for c in 0..<outputs { mean[c] /= Double(max(y.rows, 1)) }
        y.forEachChunk { p, rows in
            for r in 0..<rows.count {
                for c in 0..<outputs {
                    let d = Double(p[r &* cols &+ c]) - mean[c]
                    sst[c] += d * d
                }
            }
        }
    }

    func reset() {
        correct = 0; seen = 0
        for c in 0..<outputs { sse[c] = 0 }
    }

    func accumulate(_ out: UnsafePointer<Float>, _ t: TargetPointers, start: Int, rows: Int) {
        seen += rows
        if classification {
            for r in 0..<rows where argmax(out + r &* outputs, outputs) == t.label(start + r) { correct += 1 }
        } else {
            let y = t.values! + start &* outputs
            for i in 0..<(rows &* outputs) {
                let d = Double(out[i]) - Double(y[i])
                sse[i % outputs] += d * d
            }
        }
    }

    var metric: Double {
        if classification { return seen == 0 ? 0 : Double(correct) / Double(seen) }
        return r2(sse: sse, sst: sst)
    }
}

/// R² averaged uniformly over outputs (scikit-learn's default); an output with constant
/// targets scores 1 when predicted exactly, else 0.
func r2(sse: [Double], sst: [Double]) -> Double {
    guard !sse.isEmpty else { return 0 }
    var total = 0.0
    for c in 0..<sse.count {
        total += sst[c] > 0 ? 1 - sse[c] / sst[c] : (sse[c] == 0 ? 1 : 0)
    }
    return total / Double(sse.count)
}

/// Index of the largest of `count` values (the first on ties).
@inline(__always)
func argmax(_ p: UnsafePointer<Float>, _ count: Int) -> Int {
    var best = 0
    for i in 1..<max(count, 1) where p[i] > p[best] { best = i }
    return best
}
