import Foundation

/// Mini-batch training of a `Model`.
///
/// Every buffer (parameters, gradients, activations, optimizer state, batch inputs and
/// targets, the shuffle order) is allocated once per `fit`; the step loop works on raw
/// pointers and allocates nothing. Each epoch shuffles the sample order with an `RNG`
/// seeded by `config.seed`; the last partial batch is included.
public struct Trainer: Sendable {
    public var config: TrainConfig

    public init(config: TrainConfig) { self.config = config }

    /// Trains a copy of `model` and returns it with the training curve.
    ///
    /// `x` is raw (un-normalised); the model's normalizer is applied while gathering each
    /// batch. Pruned weights (`DenseLayer.mask`) stay exactly 0.
    /// Throws `NimpError(.dataError)` "training diverged at epoch E step S: loss L" when a
    /// batch loss is NaN, infinite or above `divergenceLimit`, or the weights stop being finite
    /// (checked after every epoch; a non-finite weight also makes the next loss non-finite).
    public func fit(_ model: Model, x: Matrix, targets: TrainingTargets, validation: (x: Matrix, targets: TrainingTargets)?,
                    onEpoch: (EpochReport) throws -> Void) throws -> TrainResult {
        try fit(model, x: x, targets: targets, validation: validation, onEpoch: onEpoch, onStep: { _ in })
    }

    /// `fit` that also reports every batch loss (for the golden-trajectory test).
    func fit(_ model: Model, x: Matrix, targets: TrainingTargets, validation: (x: Matrix, targets: TrainingTargets)?,
             onEpoch: (EpochReport) throws -> Void, onStep: (Double) -> Void) throws -> TrainResult {
        try check(model, x, targets, "training")
        if let validation { try check(model, validation.x, validation.targets, "validation") }
        guard config.epochs >= 0 else { throw NimpError.usage("epochs must not be negative, got \(config.epochs)") }
        guard config.batchSize > 0 else { throw NimpError.usage("batch size must be positive, got \(config.batchSize)") }

        let n = x.rows
        let batch = min(config.batchSize, n)
        let net = Network(model: model, maxBatch: batch)
        let optimizer = Optimizer(config: config, count: net.parameterCount)
        let buffers = TargetBuffers(rows: batch, cols: model.outputs)
        let best = UnsafeMutablePointer<Float>.allocate(capacity: net.parameterCount)
        defer { best.deallocate() }
        best.update(from: net.params, count: net.parameterCount)
        // Mapped data too large to keep resident is shuffled in windows of blocks.
        let rowBytes = max(1, x.cols * MemoryLayout<Float>.size)
        let window: (blockRows: Int, windowBlocks: Int)? = x.isMapped && x.rows * rowBytes > config.windowedAboveBytes
            ? { () -> (Int, Int) in
                let blockRows = max(1, config.shuffleBlockBytes / rowBytes)
                return (blockRows, max(1, config.shuffleWindowBytes / rowBytes / blockRows, (batch + blockRows - 1) / blockRows))
            }() : nil
        let order = EpochOrder(rows: n, batch: batch, seed: config.seed, window: window) { rows in
            x.releaseResident(rows: rows, aheadToo: true)
            targets.releaseResident(rows: rows, aheadToo: true)
        }
        let stepsPerEpoch = (n + batch - 1) / batch
        let totalSteps = stepsPerEpoch * config.epochs
        var reports: [EpochReport] = []
        reports.reserveCapacity(config.epochs)
        var bestLoss = Double.infinity, bestEpoch = 0, stoppedEarly = false
        let validationStats = validation.map { ValidationStats(targets: $0.targets, outputs: model.outputs) }
        if config.initialIsCandidate, let validation, let validationStats {
            bestLoss = try evaluate(net, validation.x, validation.targets, validationStats, buffers).0
        }
        var rateScale: Float = 1, drops = 0, lastDrop = 0, reachedStopAt = false

        try x.withUnsafeBufferPointer { xp in
            try targets.withPointers(outputs: model.outputs) { tp in
                for epoch in stride(from: 1, through: config.epochs, by: 1) {
                    let start = ContinuousClock.now
                    order.startEpoch()
                    var lossSum = 0.0
                    var lr: Float = config.learningRate * rateScale
                    do {
                        for s in 0..<stepsPerEpoch {
                            let (indices, rows) = order.nextBatch()
                            net.gather(xp.baseAddress!, indices: indices, start: 0, count: rows)
                            let out = net.forward(rows: rows)
                            let loss = tp.loss(out, grad: net.outputGradient, indices: indices, start: 0, rows: rows, buffers: buffers)
                            guard loss.isFinite, loss <= Double(config.divergenceLimit) else {
                                throw diverged(epoch: epoch, step: s + 1, what: "loss \(loss)")
                            }
                            lossSum += loss * Double(rows)
                            onStep(loss)
                            net.backward(rows: rows)
                            if let clip = config.clipNorm { clipGlobalNorm(net.grads, count: net.parameterCount, maxNorm: clip) }
                            lr = config.schedule.learningRate(base: config.learningRate * rateScale, step: (epoch - 1) * stepsPerEpoch + s,
                                                              totalSteps: totalSteps)
                            optimizer.update(net.params, grads: net.grads, learningRate: lr)
                            net.applyMask()
                        }
                    }
                    guard allFinite(net.params, count: net.parameterCount) else {
                        throw diverged(epoch: epoch, step: stepsPerEpoch, what: "weights are no longer finite")
                    }
                    let trainSeconds = start.duration(to: .now).seconds
                    var report = EpochReport(epoch: epoch, trainLoss: lossSum / Double(n), validationLoss: nil,
                                             validationMetric: nil, validationMetricName: nil, learningRate: Double(lr),
                                             seconds: trainSeconds, samplesPerSecond: Double(n) / max(trainSeconds, 1e-9))
                    if let validation, let validationStats {
                        let (loss, metric) = try evaluate(net, validation.x, validation.targets, validationStats, buffers)
                        guard loss.isFinite else { throw diverged(epoch: epoch, step: stepsPerEpoch, what: "validation loss \(loss)") }
                        report.validationLoss = loss
                        report.validationMetric = metric
                        report.validationMetricName = model.task == .classification ? "accuracy" : "r2"
                        if loss < bestLoss {
                            bestLoss = loss
                            bestEpoch = epoch
                            best.update(from: net.params, count: net.parameterCount)
                        }
                    } else {
                        bestEpoch = epoch
                        best.update(from: net.params, count: net.parameterCount)
                    }
                    report.seconds = start.duration(to: .now).seconds
                    reports.append(report)
                    try onEpoch(report)
                    if validation != nil, let patience = config.patience, epoch - max(bestEpoch, lastDrop) >= patience {
                        if drops < config.learningRateDrops {
                            drops += 1
                            lastDrop = epoch
                            rateScale *= 0.25
                            net.params.update(from: best, count: net.parameterCount)
                        } else {
                            stoppedEarly = epoch < config.epochs
                            break
                        }
                    }
                    if Interruption.requested != nil { break }
                    // Stop when the next epoch, as long as this one, would end after stopAt: an
                    // epoch that overran it could overrun the task's budget too.
                    if let stopAt = config.stopAt, ContinuousClock.now + start.duration(to: .now) >= stopAt, epoch < config.epochs {
                        stoppedEarly = true
                        reachedStopAt = true
                        break
                    }
                }
            }
        }
        var trained = model
        net.store(from: best, into: &trained)
        return TrainResult(model: trained, epochs: reports, stoppedEarly: stoppedEarly, bestEpoch: bestEpoch, reachedStopAt: reachedStopAt)
    }

    private func diverged(epoch: Int, step: Int, what: String) -> NimpError {
        NimpError(.dataError, "training diverged at epoch \(epoch) step \(step): \(what)",
                  hint: "lower the learning rate (now \(config.learningRate)), set a gradient clip norm, or check the data for extreme values")
    }

    /// Mean validation loss and metric (accuracy or R²), streaming in batches through `net`.
    private func evaluate(_ net: Network, _ x: Matrix, _ targets: TrainingTargets, _ stats: ValidationStats,
                          _ buffers: TargetBuffers) throws -> (Double, Double) {
        stats.reset()
        var lossSum = 0.0
        x.withUnsafeBufferPointer { xp in
            targets.withPointers(outputs: net.outputs) { tp in
                var first = 0
                while first < x.rows {
                    let rows = min(net.maxBatch, x.rows - first)
                    net.gather(xp.baseAddress!, indices: nil, start: first, count: rows)
                    let out = net.forward(rows: rows)
                    stats.accumulate(out, tp, start: first, rows: rows)
                    lossSum += tp.loss(out, grad: net.outputGradient, indices: nil, start: first, rows: rows, buffers: buffers) * Double(rows)
                    if x.isMapped {
                        // Streams: only a batch of a mapped validation set stays resident.
                        x.releaseResident(rows: first..<(first + rows))
                        targets.releaseResident(rows: first..<(first + rows))
                    }
                    first += rows
                }
            }
        }
        return (lossSum / Double(x.rows), stats.metric)
    }

    private func check(_ model: Model, _ x: Matrix, _ targets: TrainingTargets, _ name: String) throws {
        guard x.rows > 0 else { throw NimpError(.dataError, "the \(name) data has no samples") }
        guard x.cols == model.inputs else {
            throw NimpError(.dataError, "the \(name) data has \(x.cols) features, the model expects \(model.inputs)")
        }
        guard targets.count == x.rows else {
            throw NimpError(.dataError, "the \(name) data has \(x.rows) samples but \(targets.count) targets")
        }
        func checkLabels(_ labels: [Int32]) throws {
            if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= model.outputs }) {
                throw NimpError(.dataError, "\(name) sample \(bad) has class \(labels[bad]), the model has \(model.outputs) classes")
            }
        }
        switch targets {
        case .values(let y):
            guard model.task == .regression else { throw NimpError.usage("a classifier needs class targets, got values") }
            guard y.cols == model.outputs else {
                throw NimpError(.dataError, "the \(name) targets have \(y.cols) outputs, the model \(model.outputs)")
            }
        case .classes(let labels):
            guard model.task == .classification else { throw NimpError.usage("a regressor needs value targets, got classes") }
            try checkLabels(labels)
        case .soft(let p, let t, let hard, let alpha):
            guard model.task == .classification else { throw NimpError.usage("soft targets need a classifier") }
            guard p.cols == model.outputs else {
                throw NimpError(.dataError, "the \(name) teacher probabilities have \(p.cols) classes, the model \(model.outputs)")
            }
            guard t > 0, (0...1).contains(alpha) else {
                throw NimpError.usage("distillation needs temperature > 0 and alpha in [0, 1], got \(t) and \(alpha)")
            }
            if let hard {
                guard hard.count == p.rows else { throw NimpError(.dataError, "\(name): \(hard.count) hard labels for \(p.rows) samples") }
                try checkLabels(hard)
            }
        }
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
