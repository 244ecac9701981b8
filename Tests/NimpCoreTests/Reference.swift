import Foundation
@testable import NimpCore

// Double-precision references the Float engine is checked against.

/// f(x) in Double, written from the definitions, not from the engine's code.
func referenceActivation(_ a: Activation, _ x: Double) -> Double {
    switch a {
    case .relu: return max(0, x)
    case .leakyRelu: return x > 0 ? x : 0.01 * x
    case .tanh: return tanh(x)
    case .sigmoid: return 1 / (1 + exp(-x))
    case .gelu: return 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    case .identity: return x
    }
}

/// A model's forward pass in Double on raw inputs (normalizer applied); returns [rows][outputs].
func referenceForward(_ model: Model, _ x: [[Double]]) -> [[Double]] {
    x.map { row in
        var a = row.enumerated().map { (c, v) in (v - Double(model.normalizer.mean[c])) / Double(model.normalizer.std[c]) }
        for layer in model.layers {
            a = (0..<layer.outputs).map { o in
                var z = Double(layer.bias[o])
                for i in 0..<layer.inputs { z += Double(layer.weight[o, i]) * a[i] }
                return referenceActivation(layer.activation, z)
            }
        }
        return a
    }
}

func referenceMSE(_ out: [[Double]], _ y: [[Double]]) -> Double {
    var s = 0.0, n = 0
    for (o, t) in zip(out, y) { for (a, b) in zip(o, t) { s += (a - b) * (a - b); n += 1 } }
    return s / Double(n)
}

func referenceLogSoftmax(_ z: [Double]) -> [Double] {
    let m = z.max()!
    let lse = m + log(z.reduce(0) { $0 + exp($1 - m) })
    return z.map { $0 - lse }
}

func referenceCrossEntropy(_ logits: [[Double]], _ labels: [Int32]) -> Double {
    zip(logits, labels).reduce(0) { $0 - referenceLogSoftmax($1.0)[Int($1.1)] } / Double(labels.count)
}

func referenceSoftCrossEntropy(_ logits: [[Double]], teacher: [[Double]], t: Double, hard: [Int32]?, alpha: Double) -> Double {
    let w = hard == nil ? 1 : alpha
    var s = 0.0
    for (r, z) in logits.enumerated() {
        let lq = referenceLogSoftmax(z.map { $0 / t })
        s -= w * t * t * zip(teacher[r], lq).reduce(0) { $0 + $1.0 * $1.1 }
        if let hard { s -= (1 - alpha) * referenceLogSoftmax(z)[Int(hard[r])] }
    }
    return s / Double(logits.count)
}

extension Matrix {
    init(_ rows: [[Float]]) {
        self.init(rows: rows.count, cols: rows.first?.count ?? 0, data: rows.flatMap { $0 })
    }
    var doubleRows: [[Double]] { (0..<rows).map { r in row(r).map(Double.init) } }
}

func randomMatrix(_ rows: Int, _ cols: Int, _ rng: inout RNG, scale: Float = 1) -> Matrix {
    var m = Matrix(rows: rows, cols: cols)
    for i in 0..<m.data.count { m.data[i] = scale * rng.normal() }
    return m
}

/// |a - b| ≤ atol + rtol·|b|.
func close(_ a: Double, _ b: Double, atol: Double, rtol: Double) -> Bool {
    abs(a - b) <= atol + rtol * abs(b)
}

/// Every hidden pre-activation of the reference forward pass (for kink checks).
func referencePreactivations(_ model: Model, _ x: [[Double]]) -> [Double] {
    var all: [Double] = []
    for row in x {
        var a = row.enumerated().map { (c, v) in (v - Double(model.normalizer.mean[c])) / Double(model.normalizer.std[c]) }
        for layer in model.layers {
            let z = (0..<layer.outputs).map { o in
                (0..<layer.inputs).reduce(Double(layer.bias[o])) { $0 + Double(layer.weight[o, $1]) * a[$1] }
            }
            all += z
            a = z.map { referenceActivation(layer.activation, $0) }
        }
    }
    return all
}
