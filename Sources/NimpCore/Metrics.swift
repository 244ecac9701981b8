import Foundation

/// Quality of a model on a labelled dataset. Classifier fields or regressor fields are set,
/// the others are nil. JSON keys are snake_case (`macro_f1`, `log_loss`).
public struct QualityReport: Codable, Sendable, Equatable {
    public var task: Task
    public var samples: Int
    public var accuracy: Double?
    public var macroF1: Double?
    public var logLoss: Double?
    public var mse: Double?
    public var rmse: Double?
    public var mae: Double?
    public var r2: Double?

    public init(task: Task, samples: Int, accuracy: Double? = nil, macroF1: Double? = nil, logLoss: Double? = nil,
                mse: Double? = nil, rmse: Double? = nil, mae: Double? = nil, r2: Double? = nil) {
        self.task = task
        self.samples = samples
        self.accuracy = accuracy
        self.macroF1 = macroF1
        self.logLoss = logLoss
        self.mse = mse
        self.rmse = rmse
        self.mae = mae
        self.r2 = r2
    }

    enum CodingKeys: String, CodingKey {
        case task, samples, accuracy, mse, rmse, mae, r2
        case macroF1 = "macro_f1"
        case logLoss = "log_loss"
    }
}

/// Quality of `model` on `data`, streaming through the data in chunks of 1024 rows (only
/// one chunk's activations in memory). Log-loss comes from log-softmax of the logits, so
/// it stays finite even when a probability would round to 0.
public func evaluateQuality(_ model: Model, on data: Dataset) -> QualityReport {
    precondition(data.features == model.inputs, "evaluate: data has \(data.features) features, the model expects \(model.inputs)")
    let n = data.count, outputs = model.outputs
    guard n > 0 else { return QualityReport(task: model.task, samples: 0) }
    let net = Network(model: model, maxBatch: min(n, Model.predictChunk), training: false)
    switch data.y {
    case .classes(let labels):
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < outputs }, "evaluate: a class id is outside the model's \(outputs) classes")
        var confusion = [Int](repeating: 0, count: outputs * outputs)  // [label, predicted]
        var nll = 0.0
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: outputs)
        defer { scratch.deallocate() }
        stream(net, data.x) { out, first, rows in
            for r in 0..<rows {
                let z = out + r * outputs
                let label = Int(labels[first + r])
                confusion[label * outputs + argmax(z, outputs)] += 1
                nll += softmaxRow(z, scratch, cols: outputs) - Double(z[label])
            }
        }
        return QualityReport(task: .classification, samples: n, accuracy: accuracy(confusion: confusion, classes: outputs),
                             macroF1: macroF1(confusion: confusion, classes: outputs), logLoss: nll / Double(n))
    case .values(let y):
        precondition(y.cols == outputs, "evaluate: data has \(y.cols) outputs, the model \(outputs)")
        var sse = [Double](repeating: 0, count: outputs), sae = 0.0
        stream(net, data.x, y: y) { out, first, rows in
            for r in 0..<rows {
                for c in 0..<outputs {
                    let d = Double(out[r * outputs + c]) - Double(y[first + r, c])
                    sse[c] += d * d
                    sae += abs(d)
                }
            }
        }
        let mse = sse.reduce(0, +) / Double(n * outputs)
        return QualityReport(task: .regression, samples: n, mse: mse, rmse: mse.squareRoot(), mae: sae / Double(n * outputs),
                             r2: r2(sse: sse, sst: sumOfSquaredDeviations(y)))
    }
}

/// Runs `x` through `net` in chunks; `body(outputs, firstRow, rows)`. Pages of a mapped
/// `x` and `y` are released behind the pass, so only a chunk of them stays resident.
func stream(_ net: Network, _ x: Matrix, y: Matrix? = nil, _ body: (UnsafePointer<Float>, Int, Int) -> Void) {
    x.withUnsafeBufferPointer { xp in
        var first = 0
        while first < x.rows {
            let rows = min(net.maxBatch, x.rows - first)
            net.gather(xp.baseAddress!, indices: nil, start: first, count: rows)
            body(net.forward(rows: rows), first, rows)
            x.releaseResident(rows: first..<(first + rows))
            y?.releaseResident(rows: first..<(first + rows))
            first += rows
        }
    }
}

/// Per column Σ (y - mean)².
func sumOfSquaredDeviations(_ y: Matrix) -> [Double] {
    let cols = y.cols
    var mean = [Double](repeating: 0, count: cols), sst = mean
    y.forEachChunk { p, rows in
        for r in 0..<rows.count { for c in 0..<cols { mean[c] += Double(p[r &* cols &+ c]) } }
    }
    for c in 0..<cols { mean[c] /= Double(max(y.rows, 1)) }
    y.forEachChunk { p, rows in
        for r in 0..<rows.count {
            for c in 0..<cols {
                let d = Double(p[r &* cols &+ c]) - mean[c]
                sst[c] += d * d
            }
        }
    }
    return sst
}

// MARK: Metric primitives

/// The arg-max column of each row (first on ties): predicted classes from logits or probabilities.
public func argmaxRows(_ m: Matrix) -> [Int32] {
    guard m.rows > 0, m.cols > 0 else { return [Int32](repeating: 0, count: m.rows) }
    return m.withUnsafeBufferPointer { p in
        (0..<m.rows).map { Int32(argmax(p.baseAddress! + $0 * m.cols, m.cols)) }
    }
}

/// Confusion counts [label, predicted] over `classes` classes.
public func confusionMatrix(predictions: [Int32], labels: [Int32], classes: Int) -> [Int] {
    precondition(predictions.count == labels.count)
    var m = [Int](repeating: 0, count: classes * classes)
    for (p, l) in zip(predictions, labels) { m[Int(l) * classes + Int(p)] += 1 }
    return m
}

/// Fraction of predictions equal to their label.
public func accuracy(predictions: [Int32], labels: [Int32]) -> Double {
    precondition(predictions.count == labels.count)
    guard !labels.isEmpty else { return 0 }
    return Double(zip(predictions, labels).count { $0 == $1 }) / Double(labels.count)
}

func accuracy(confusion: [Int], classes: Int) -> Double {
    let total = confusion.reduce(0, +)
    let right = (0..<classes).reduce(0) { $0 + confusion[$1 * classes + $1] }
    return total == 0 ? 0 : Double(right) / Double(total)
}

/// Unweighted mean of per-class F1 = 2TP / (2TP + FP + FN), over the classes that occur
/// in the labels or the predictions (scikit-learn's `f1_score(average="macro")`).
public func macroF1(predictions: [Int32], labels: [Int32], classes: Int) -> Double {
    macroF1(confusion: confusionMatrix(predictions: predictions, labels: labels, classes: classes), classes: classes)
}

public func macroF1(confusion: [Int], classes: Int) -> Double {
    var sum = 0.0, present = 0
    for c in 0..<classes {
        let tp = confusion[c * classes + c]
        let actual = (0..<classes).reduce(0) { $0 + confusion[c * classes + $1] }
        let predicted = (0..<classes).reduce(0) { $0 + confusion[$1 * classes + c] }
        guard actual + predicted > 0 else { continue }
        present += 1
        sum += Double(2 * tp) / Double(actual + predicted)
    }
    return present == 0 ? 0 : sum / Double(present)
}

/// Mean negative log-probability of the true class; probabilities are clipped to
/// [1e-15, 1 - 1e-15] as scikit-learn's `log_loss` did, so a confident miss costs ≈ 34.5, not ∞.
public func logLoss(probabilities: Matrix, labels: [Int32]) -> Double {
    precondition(probabilities.rows == labels.count)
    guard !labels.isEmpty else { return 0 }
    var sum = 0.0
    for (r, l) in labels.enumerated() {
        sum -= log(min(max(Double(probabilities[r, Int(l)]), 1e-15), 1 - 1e-15))
    }
    return sum / Double(labels.count)
}

/// Mean squared error over all elements.
public func mse(predictions: Matrix, targets: Matrix) -> Double {
    precondition(predictions.data.count == targets.data.count)
    guard !targets.data.isEmpty else { return 0 }
    return zip(predictions.data, targets.data).reduce(0.0) { s, pt in
        let d = Double(pt.0) - Double(pt.1)
        return s + d * d
    } / Double(targets.data.count)
}

/// √mse.
public func rmse(predictions: Matrix, targets: Matrix) -> Double {
    mse(predictions: predictions, targets: targets).squareRoot()
}

/// Mean absolute error over all elements.
public func mae(predictions: Matrix, targets: Matrix) -> Double {
    precondition(predictions.data.count == targets.data.count)
    guard !targets.data.isEmpty else { return 0 }
    return zip(predictions.data, targets.data).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(targets.data.count)
}

/// Coefficient of determination 1 - SSE/SST per output, averaged uniformly over outputs
/// (scikit-learn's `r2_score` default).
public func r2(predictions: Matrix, targets: Matrix) -> Double {
    precondition(predictions.rows == targets.rows && predictions.cols == targets.cols)
    var sse = [Double](repeating: 0, count: targets.cols)
    for r in 0..<targets.rows {
        for c in 0..<targets.cols {
            let d = Double(predictions[r, c]) - Double(targets[r, c])
            sse[c] += d * d
        }
    }
    return r2(sse: sse, sst: sumOfSquaredDeviations(targets))
}
