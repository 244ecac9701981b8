import Foundation
import Testing
@testable import NimpCore

@Suite struct TrainerTests {
    func model(_ task: Task, inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .tanh, seed: UInt64 = 1,
               normalizer: Normalizer? = nil) -> Model {
        var rng = RNG(seed: seed)
        return Model.initialized(task: task, inputs: inputs, hidden: hidden, outputs: outputs, activation: activation,
                                 normalizer: normalizer ?? .identity(features: inputs),
                                 featureNames: (0..<inputs).map { "x\($0)" }, targetNames: (0..<outputs).map { "y\($0)" }, rng: &rng)
    }

    /// XOR as 4 points repeated.
    var xor: (x: Matrix, y: [Int32]) {
        let pts: [[Float]] = [[0, 0], [0, 1], [1, 0], [1, 1]]
        let labels: [Int32] = [0, 1, 1, 0]
        var rows: [[Float]] = [], ys: [Int32] = []
        for i in 0..<64 { rows.append(pts[i % 4]); ys.append(labels[i % 4]) }
        return (Matrix(rows), ys)
    }

    func sine(_ n: Int, seed: UInt64) -> (x: Matrix, y: Matrix) {
        var rng = RNG(seed: seed)
        var x = Matrix(rows: n, cols: 1), y = Matrix(rows: n, cols: 1)
        for i in 0..<n {
            x.data[i] = 6 * rng.uniform() - 3
            y.data[i] = sin(x.data[i])
        }
        return (x, y)
    }

    @Test func learnsXOR() throws {
        let d = xor
        let m = model(.classification, inputs: 2, hidden: [8, 8], outputs: 2)
        let config = TrainConfig(epochs: 200, batchSize: 16, learningRate: 0.02, optimizer: .adam, seed: 3)
        let result = try Trainer(config: config).fit(m, x: d.x, targets: .classes(d.y), validation: nil) { _ in }
        #expect(result.epochs.last!.trainLoss < 0.05)
        #expect(argmaxRows(result.model.predict(d.x)) == d.y)
    }

    @Test func learnsSineWithEachOptimizer() throws {
        let train = sine(256, seed: 1), test = sine(256, seed: 2)
        for (kind, lr) in [(OptimizerKind.adam, Float(0.02)), (.adamw, 0.02), (.sgd, 0.1)] {
            let m = model(.regression, inputs: 1, hidden: [32, 32], outputs: 1, normalizer: fitNormalizer(train.x))
            let config = TrainConfig(epochs: 80, batchSize: 32, learningRate: lr, optimizer: kind, weightDecay: 1e-4,
                                     schedule: .cosine, seed: 1)
            let result = try Trainer(config: config).fit(m, x: train.x, targets: .values(train.y),
                                                         validation: (test.x, .values(test.y))) { _ in }
            let q = evaluateQuality(result.model, on: Dataset(x: test.x, y: .values(test.y), targetNames: ["y"]))
            #expect(q.mse! < 5e-3, "\(kind)")  // sin has variance ≈ 0.5 on [-3, 3]
            #expect(q.r2! > 0.99, "\(kind)")
            #expect(result.epochs.last!.validationMetricName == "r2")
            #expect(abs(result.epochs.first!.learningRate - Double(lr)) <= 1e-3 * Double(lr))  // cosine starts at lr
            #expect(result.epochs.last!.learningRate < 0.001 * Double(lr))  // and ends near 0
        }
    }

    /// Golden 10-step loss trajectory: fixed seeds, 3 → 8 → 8 → 2 tanh network, Adam,
    /// batch 4 over 10 samples (3 steps per epoch, the last partial, shuffled each epoch).
    /// To re-record after a deliberate change to the numerics, run this test, copy the
    /// printed "golden:" line into `TrainerGolden.losses` and say why in the commit.
    @Test func goldenTrajectory() throws {
        var rng = RNG(seed: 42)
        let x = randomMatrix(10, 3, &rng)
        var y = Matrix(rows: 10, cols: 2)
        for r in 0..<10 {
            y[r, 0] = sin(x[r, 0]) + 0.5 * x[r, 1]
            y[r, 1] = x[r, 2] * x[r, 0]
        }
        let m = model(.regression, inputs: 3, hidden: [8, 8], outputs: 2, seed: 7, normalizer: fitNormalizer(x))
        let config = TrainConfig(epochs: 4, batchSize: 4, learningRate: 0.01, optimizer: .adam, seed: 11)
        var losses: [Double] = []
        _ = try Trainer(config: config).fit(m, x: x, targets: .values(y), validation: nil, onEpoch: { _ in },
                                            onStep: { losses.append($0) })
        let first10 = Array(losses.prefix(10))
        print("golden: \(first10)")
        #expect(first10.count == TrainerGolden.losses.count)
        // 1e-5 relative: the same code on the same machine reproduces bit for bit; the slack
        // allows another sgemm kernel's summation order.
        for (i, (a, b)) in zip(first10, TrainerGolden.losses).enumerated() {
            #expect(abs(a - b) <= 1e-5 * abs(b), "step \(i + 1)")
        }
        #expect(first10.last! < first10.first!)
    }

    @Test func sameSeedReproducesBitForBit() throws {
        let train = sine(100, seed: 5)
        let m = model(.regression, inputs: 1, hidden: [16], outputs: 1)
        let config = TrainConfig(epochs: 3, batchSize: 7, learningRate: 0.01, seed: 9)
        let a = try Trainer(config: config).fit(m, x: train.x, targets: .values(train.y), validation: nil) { _ in }
        let b = try Trainer(config: config).fit(m, x: train.x, targets: .values(train.y), validation: nil) { _ in }
        #expect(a.model == b.model)
        #expect(a.epochs.map(\.trainLoss) == b.epochs.map(\.trainLoss))
    }

    @Test func divergenceThrowsDataError() {
        let train = sine(64, seed: 1)
        let m = model(.regression, inputs: 1, hidden: [16, 16], outputs: 1, activation: .relu)
        let config = TrainConfig(epochs: 50, batchSize: 8, learningRate: 1e4, optimizer: .sgd, seed: 1)
        if let error = #expect(throws: (any Error).self, performing: { try Trainer(config: config).fit(m, x: train.x, targets: .values(train.y), validation: nil) { _ in } }) {
            guard let e = error as? NimpError else { Issue.record("\(error)"); return }
            #expect(e.kind == .dataError)
            #expect(e.message.hasPrefix("training diverged at epoch "), "\(e.message)")
            #expect(e.message.contains(" step "), "\(e.message)")
        }
    }

    @Test func masksStayZero() throws {
        let train = sine(128, seed: 3)
        var m = model(.regression, inputs: 1, hidden: [8, 8], outputs: 1)
        var mask = Matrix(rows: 8, cols: 8, repeating: 1)
        for i in stride(from: 0, to: 64, by: 3) { mask.data[i] = 0 }
        m.layers[1].mask = mask
        for kind in OptimizerKind.allCases {
            let config = TrainConfig(epochs: 5, batchSize: 16, learningRate: 0.01, optimizer: kind, weightDecay: 0.01, seed: 2)
            let r = try Trainer(config: config).fit(m, x: train.x, targets: .values(train.y), validation: nil) { _ in }
            let w = r.model.layers[1].weight
            for i in 0..<64 {
                if mask.data[i] == 0 { #expect(w.data[i] == 0, "\(kind) pruned weight \(i)") }
                else { #expect(w.data[i] != 0) }
            }
            #expect(r.model.layers[1].mask == mask)
        }
    }

    @Test func predictorMatchesModelPredict() {
        var rng = RNG(seed: 8)
        for act in Activation.allCases {
            // 10 → 20 → 33 → 3: widths that are not multiples of 16 exercise the padding.
            var m = model(.regression, inputs: 10, hidden: [20, 33], outputs: 3, activation: act, seed: 4)
            m.normalizer = Normalizer(mean: (0..<10).map { Float($0) * 0.1 }, std: (0..<10).map { 1 + Float($0) * 0.2 })
            for l in m.layers.indices { for o in m.layers[l].bias.indices { m.layers[l].bias[o] = 0.1 * rng.normal() } }
            let x = randomMatrix(50, 10, &rng, scale: 2)
            let batch = m.predict(x)
            let p = m.makePredictor()
            for r in 0..<50 {
                let single = p.predict(x.row(r))
                for c in 0..<3 {
                    // Different summation orders (sgemm blocks vs one running sum): a few ulps of the sum.
                    #expect(abs(single[c] - batch[r, c]) <= 1e-5 * max(1, abs(batch[r, c])), "\(act) row \(r)")
                }
            }
        }
    }

    @Test func predictMatchesReference() {
        var rng = RNG(seed: 12)
        let m = model(.classification, inputs: 4, hidden: [9], outputs: 3, activation: .gelu, seed: 3,
                      normalizer: Normalizer(mean: [1, 2, 3, 4], std: [2, 2, 0.5, 1]))
        let x = randomMatrix(2000, 4, &rng)  // more than one 1024-row chunk
        let out = m.predict(x)
        let ref = referenceForward(m, x.doubleRows)
        for r in stride(from: 0, to: 2000, by: 97) { for c in 0..<3 { #expect(abs(Double(out[r, c]) - ref[r][c]) <= 1e-5) } }
        let chunked = BatchPredictor(m, maxBatch: 300).predict(x)  // 7 chunks, the last partial
        for i in 0..<out.data.count { #expect(abs(chunked.data[i] - out.data[i]) <= 1e-6 * max(1, abs(out.data[i]))) }
        let p = m.probabilities(x)
        for r in 0..<5 { #expect(abs(p.row(r).reduce(0, +) - 1) <= 1e-6) }
    }

    /// 12 noisy samples for 32 hidden units: the model overfits, so validation loss turns up.
    func overfitting() -> (train: (x: Matrix, y: Matrix), validation: (x: Matrix, y: Matrix), model: Model) {
        var train = sine(12, seed: 1)
        var rng = RNG(seed: 3)
        for i in 0..<12 { train.y.data[i] += 0.3 * rng.normal() }
        return (train, sine(64, seed: 2), model(.regression, inputs: 1, hidden: [32], outputs: 1))
    }

    @Test func validationEarlyStoppingAndBestModel() throws {
        let (train, val, m) = overfitting()
        let config = TrainConfig(epochs: 500, batchSize: 4, learningRate: 0.02, optimizer: .adam, seed: 1, patience: 3)
        var seen: [EpochReport] = []
        let r = try Trainer(config: config).fit(m, x: train.x, targets: .values(train.y), validation: (val.x, .values(val.y))) {
            seen.append($0)
        }
        #expect(seen == r.epochs)
        let best = r.epochs.min { $0.validationLoss! < $1.validationLoss! }!
        #expect(r.bestEpoch == best.epoch)
        #expect(r.stoppedEarly)
        #expect(r.epochs.count == r.bestEpoch + 3)
        let q = evaluateQuality(r.model, on: Dataset(x: val.x, y: .values(val.y), targetNames: ["y"]))
        #expect(abs(q.mse! - best.validationLoss!) <= 1e-6 * max(1, best.validationLoss!))
    }

    @Test func learningRateDropsGoBackToTheBestWeightsAndSlowDown() throws {
        let (train, val, m) = overfitting()
        var config = TrainConfig(epochs: 500, batchSize: 4, learningRate: 0.02, optimizer: .adam, seed: 1, patience: 3)
        let plain = try Trainer(config: config).fit(m, x: train.x, targets: .values(train.y), validation: (val.x, .values(val.y))) { _ in }
        config.learningRateDrops = 2
        let r = try Trainer(config: config).fit(m, x: train.x, targets: .values(train.y), validation: (val.x, .values(val.y))) { _ in }
        // Identical until the first plateau; then a quarter, then a sixteenth of the rate.
        #expect(Array(r.epochs.prefix(plain.epochs.count)).map(\.trainLoss) == plain.epochs.map(\.trainLoss))
        let rates = Array(Set(r.epochs.map(\.learningRate))).sorted()
        #expect(rates.count == 3)
        #expect(abs(rates[0] - 0.02 / 16) < 1e-9 && abs(rates[1] - 0.02 / 4) < 1e-9 && abs(rates[2] - 0.02) < 1e-7)
        #expect(r.stoppedEarly)
        let best = r.epochs.min { $0.validationLoss! < $1.validationLoss! }!
        #expect(r.bestEpoch == best.epoch)
        #expect(best.validationLoss! <= plain.epochs.map { $0.validationLoss! }.min()!)
    }

    @Test func theInitialWeightsAreReturnedWhenNoEpochBeatsThem() throws {
        let train = sine(64, seed: 1)
        let val = sine(64, seed: 2)
        let m = model(.regression, inputs: 1, hidden: [16], outputs: 1)
        let fitted = try Trainer(config: TrainConfig(epochs: 300, batchSize: 8, learningRate: 0.01, seed: 1))
            .fit(m, x: train.x, targets: .values(train.y), validation: nil) { _ in }.model
        // Training toward the opposite targets makes every epoch worse on validation than where it started.
        var opposite = train.y
        for i in 0..<opposite.data.count { opposite.data[i] = -opposite.data[i] }
        var config = TrainConfig(epochs: 20, batchSize: 8, learningRate: 0.01, optimizer: .adam, seed: 2, patience: 3)
        config.initialIsCandidate = true
        let r = try Trainer(config: config).fit(fitted, x: train.x, targets: .values(opposite), validation: (val.x, .values(val.y))) { _ in }
        #expect(r.bestEpoch == 0)
        #expect(r.epochs.count == 3)
        #expect(r.model.predict(val.x).data == fitted.predict(val.x).data)
    }

    @Test func aDeadlineEndsTrainingWithTheBestEpochSoFar() throws {
        let d = sine(64, seed: 1)
        var config = TrainConfig(epochs: 1_000, batchSize: 8, learningRate: 0.01, seed: 1)
        config.stopAt = .now
        let r = try Trainer(config: config).fit(model(.regression, inputs: 1, hidden: [8], outputs: 1), x: d.x,
                                                targets: .values(d.y), validation: (d.x, .values(d.y))) { _ in }
        #expect(r.epochs.count == 1)
        #expect(r.stoppedEarly && r.reachedStopAt)
        #expect(r.bestEpoch == 1)
    }

    /// An epoch that would end past the deadline is not started: the run ends in time, not
    /// one epoch after it (epochs here last a second: the callback sleeps).
    @Test func theEpochThatWouldOverrunTheDeadlineIsNotStarted() throws {
        let d = sine(64, seed: 1)
        var config = TrainConfig(epochs: 1_000, batchSize: 8, learningRate: 0.01, seed: 1)
        let deadline = ContinuousClock.now + .milliseconds(2_500)
        config.stopAt = deadline
        let r = try Trainer(config: config).fit(model(.regression, inputs: 1, hidden: [8], outputs: 1), x: d.x,
                                                targets: .values(d.y), validation: (d.x, .values(d.y))) { _ in Thread.sleep(forTimeInterval: 1) }
        #expect(r.epochs.count == 2 && r.reachedStopAt, "\(r.epochs.count) epochs")
        #expect(ContinuousClock.now < deadline)
    }

    @Test func distillationWithSoftTargets() throws {
        let d = xor
        let teacher = model(.classification, inputs: 2, hidden: [8, 8], outputs: 2)
        let trained = try Trainer(config: TrainConfig(epochs: 200, batchSize: 16, learningRate: 0.02, seed: 1))
            .fit(teacher, x: d.x, targets: .classes(d.y), validation: nil) { _ in }.model
        let soft = trained.probabilities(d.x)
        let student = model(.classification, inputs: 2, hidden: [6], outputs: 2, seed: 5)
        for hard in [Optional(d.y), nil] {
            let r = try Trainer(config: TrainConfig(epochs: 300, batchSize: 16, learningRate: 0.03, seed: 2))
                .fit(student, x: d.x, targets: .soft(probabilities: soft, temperature: 2, hard: hard, alpha: 0.5),
                     validation: (d.x, .soft(probabilities: soft, temperature: 2, hard: hard, alpha: 0.5))) { _ in }
            #expect(argmaxRows(r.model.predict(d.x)) == d.y)
            #expect(r.epochs.last!.validationMetric == 1)
            #expect(r.epochs.last!.validationMetricName == "accuracy")
        }
    }

    @Test func badInputsAreReported() {
        let m = model(.classification, inputs: 2, hidden: [4], outputs: 2)
        let t = Trainer(config: TrainConfig(epochs: 1))
        #expect(throws: (any Error).self) { try t.fit(m, x: Matrix(rows: 3, cols: 2), targets: .classes([0, 1, 2]), validation: nil) { _ in } }
        #expect(throws: (any Error).self) { try t.fit(m, x: Matrix(rows: 3, cols: 3), targets: .classes([0, 1, 1]), validation: nil) { _ in } }
        #expect(throws: (any Error).self) { try t.fit(m, x: Matrix(rows: 3, cols: 2), targets: .values(Matrix(rows: 3, cols: 2)), validation: nil) { _ in } }
        #expect(throws: (any Error).self) { try t.fit(m, x: Matrix(rows: 0, cols: 2), targets: .classes([]), validation: nil) { _ in } }
    }

    @Test func epochReportJSONKeys() throws {
        let e = EpochReport(epoch: 1, trainLoss: 0.5, validationLoss: 0.6, validationMetric: 0.9, validationMetricName: "r2",
                            learningRate: 0.001, seconds: 0.1, samplesPerSecond: 1000)
        let json = String(decoding: try JSONEncoder().encode(e), as: UTF8.self)
        for key in ["train_loss", "validation_loss", "validation_metric", "validation_metric_name", "learning_rate",
                    "samples_per_second", "seconds", "epoch"] {
            #expect(json.contains("\"\(key)\""), "\(json)")
        }
        #expect(try JSONDecoder().decode(EpochReport.self, from: Data(json.utf8)) == e)
    }

    @Test func initialization() {
        var rng = RNG(seed: 1)
        let m = Model.initialized(task: .classification, inputs: 200, hidden: [300], outputs: 100, activation: .relu,
                                  normalizer: .identity(features: 200), featureNames: [], targetNames: [], rng: &rng)
        #expect(m.layers.map(\.activation) == [.relu, .identity])
        func std(_ w: Matrix) -> Double {
            (w.data.reduce(0) { $0 + Double($1) * Double($1) } / Double(w.data.count)).squareRoot()
        }
        #expect(abs(std(m.layers[0].weight) - (2.0 / 200).squareRoot()) <= 0.003)  // He
        #expect(abs(std(m.layers[1].weight) - (2.0 / 400).squareRoot()) <= 0.003)  // Xavier
        #expect(m.layers.allSatisfy { $0.bias.allSatisfy { $0 == 0 } })
    }

    @Test func fitNormalizerMeanAndStd() {
        let x = Matrix([[1, 5, 2], [3, 5, 4], [5, 5, 9]])
        let n = fitNormalizer(x)
        #expect(n.mean == [3, 5, 5])
        #expect(abs(n.std[0] - Float((8.0 / 3).squareRoot())) <= 1e-6)
        #expect(n.std[1] == 1)  // constant column
        let z = n.apply(x)
        #expect(z[1, 0] == 0)
        #expect(z[2, 1] == 0)
    }
}
