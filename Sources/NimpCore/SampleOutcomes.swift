import Foundation

/// What one model did on each row of a dataset: the per-row losses behind every quality
/// metric that is a mean over rows, for paired comparisons of two models on the same rows.
public struct SampleOutcomes: Sendable {
    public var task: Task
    public var count: Int
    /// Regression: squared error per row (mean over outputs); its mean is `mse`.
    public var squaredError: [Double] = []
    /// Regression: squared error per row scaled by each output's variance, so its mean is 1 − R².
    public var scaledSquaredError: [Double] = []
    /// Regression: absolute error per row (mean over outputs); its mean is `mae`.
    public var absoluteError: [Double] = []
    /// Classification: the predicted class and the label of each row.
    public var predicted: [Int32] = []
    public var labels: [Int32] = []
    public var classes = 0
    /// Classification: −log p(label) per row; its mean is `log_loss`.
    public var logLoss: [Double] = []

    public init(task: Task, count: Int) {
        self.task = task
        self.count = count
    }
}

/// Per-row outcomes of `model` on `data`, streamed in chunks as `evaluateQuality` does.
public func sampleOutcomes(_ model: Model, on data: Dataset) -> SampleOutcomes {
    precondition(data.features == model.inputs, "outcomes: data has \(data.features) features, the model expects \(model.inputs)")
    let n = data.count, outputs = model.outputs
    var result = SampleOutcomes(task: model.task, count: n)
    guard n > 0 else { return result }
    let net = Network(model: model, maxBatch: min(n, Model.predictChunk), training: false)
    switch data.y {
    case .classes(let labels):
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < outputs }, "outcomes: a class id is outside the model's \(outputs) classes")
        result.labels = labels
        result.classes = outputs
        result.predicted.reserveCapacity(n)
        result.logLoss.reserveCapacity(n)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: outputs)
        defer { scratch.deallocate() }
        stream(net, data.x) { out, first, rows in
            for r in 0..<rows {
                let z = out + r * outputs
                result.predicted.append(Int32(argmax(z, outputs)))
                result.logLoss.append(softmaxRow(z, scratch, cols: outputs) - Double(z[Int(labels[first + r])]))
            }
        }
    case .values(let y):
        precondition(y.cols == outputs, "outcomes: data has \(y.cols) outputs, the model \(outputs)")
        // A constant output has no variance to explain; it adds nothing to the scaled error.
        let weights = sumOfSquaredDeviations(y).map { $0 > 0 ? Double(n) / ($0 * Double(outputs)) : 0 }
        result.squaredError.reserveCapacity(n)
        result.scaledSquaredError.reserveCapacity(n)
        result.absoluteError.reserveCapacity(n)
        stream(net, data.x, y: y) { out, first, rows in
            for r in 0..<rows {
                var se = 0.0, scaled = 0.0, ae = 0.0
                for c in 0..<outputs {
                    let d = Double(out[r * outputs + c]) - Double(y[first + r, c])
                    se += d * d
                    scaled += d * d * weights[c]
                    ae += abs(d)
                }
                result.squaredError.append(se / Double(outputs))
                result.scaledSquaredError.append(scaled)
                result.absoluteError.append(ae / Double(outputs))
            }
        }
    }
    return result
}
