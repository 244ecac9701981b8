import Foundation
import NimpCore
import NimpIO

/// What `nimp distill` and the cycle's distillation tasks need.
public struct DistillRequest: Sendable {
    public var teacher: ModelArchive
    /// Inputs (and true labels) the teacher labels; augmentation draws around them.
    public var train: Dataset
    /// Held-out data for the comparison; when nil, `validationSplit` of `train` is held
    /// out, or the comparison runs on `train` when that is nil too.
    public var validation: Dataset?
    public var validationSplit: Double?
    public var hidden: [Int] = [16, 16]
    public var activation: Activation = .relu
    /// Softmax temperature of the teacher's soft targets (classification).
    public var temperature: Float = 3
    /// Weight of the teacher's targets; 1 − alpha goes to the true labels of the given
    /// rows. Augmented rows learn from the teacher only.
    public var alpha: Float = 0.5
    /// Extra teacher-labelled inputs: half Gaussian noise around random rows (`noise` ×
    /// each feature's std), half mixup of two random rows with a uniform weight.
    public var augment: Int = 0
    public var noise: Float = 0.1
    public var epochs: Int = 30
    public var batchSize: Int = 64
    public var learningRate: Float = 3e-3
    public var optimizer: OptimizerKind = .adam
    public var seed: UInt64 = 1
    public var latencySamples: Int = 2000
    public var id: String?
    /// The student's current version, when it has one (the cycle's distillation into an
    /// existing model): training starts from it when its shape matches `hidden` and
    /// `activation`, and it is the lineage parent (the teacher goes in `teacher`).
    public var student: ModelArchive?
    /// How the teacher is named in the lineage (a path or registry version).
    public var teacherName: String?
    public var datasetSHA256: String?
    public var commandLine: [String] = []

    public init(teacher: ModelArchive, train: Dataset) {
        self.teacher = teacher
        self.train = train
    }
}

public struct DistillResult: Sendable {
    public var archive: ModelArchive
    /// The student (result) against the teacher (parent) on the held-out data.
    public var comparison: Comparison
    /// Student-to-teacher distance on the held-out inputs before and after training
    /// (`Distiller.distance`).
    public var initialDistance: Double
    public var finalDistance: Double
    /// Rows the student trained on (given + augmented).
    public var trainingSamples: Int
}

/// Knowledge distillation: a small student learns a teacher's outputs.
public enum Distiller {
    public static func run(_ request: DistillRequest, onEpoch: (EpochReport) throws -> Void = { _ in }) throws -> DistillResult {
        let teacher = request.teacher.model
        guard request.temperature > 0, request.temperature.isFinite else { throw NimpError.usage("the temperature must be positive", parameters: [.temperature]) }
        guard (0...1).contains(request.alpha) else { throw NimpError.usage("alpha must be between 0 and 1", parameters: [.alpha]) }
        guard request.augment >= 0 else { throw NimpError.usage("the augmentation must not be negative", parameters: [.augmentation]) }
        var train = request.train
        try ModelOptimizer.checkCompatible(train, teacher)
        var heldOut = request.validation
        if let v = heldOut { try ModelOptimizer.checkCompatible(v, teacher) }
        if heldOut == nil, let split = request.validationSplit, split > 0 {
            (train, heldOut) = try TrainingJob.splitHoldout(train, fraction: split, seed: request.seed)
        }
        guard train.count > 0 else { throw NimpError(.dataError, "\(train.source): the training set is empty") }

        let extra = augmentedInputs(train, count: request.augment, noise: request.noise, seed: request.seed)
        let x = stacked(train.x, extra)
        let targets = teacherTargets(teacher: teacher, x: x, truth: train.y, temperature: request.temperature, alpha: request.alpha)

        var rng = RNG(seed: request.seed)
        var student = Model.initialized(task: teacher.task, inputs: teacher.inputs, hidden: request.hidden, outputs: teacher.outputs,
                                        activation: request.activation, normalizer: fitNormalizer(train.x),
                                        featureNames: teacher.featureNames, targetNames: teacher.targetNames, table: teacher.table, rng: &rng)
        if case .values(let y) = targets { student.initializeOutputs(for: .values(y)) }
        if let current = request.student?.model, current.hidden == request.hidden, current.inputs == teacher.inputs,
           current.outputs == teacher.outputs, current.layers.first?.activation == request.activation,
           current.layers.allSatisfy({ $0.storage == .f32 && $0.mask == nil }) {
            student = current
        }
        let probe = (heldOut ?? train).x
        let initialDistance = distance(student: student, teacher: teacher, on: probe)
        let config = TrainConfig(epochs: request.epochs, batchSize: request.batchSize, learningRate: request.learningRate,
                                 optimizer: request.optimizer, seed: request.seed)
        let result = try Trainer(config: config).fit(student, x: x, targets: targets,
                                                      validation: heldOut.map { ($0.x, TrainingJob.trainingTargets($0)) },
                                                      onEpoch: onEpoch)
        let finalDistance = distance(student: result.model, teacher: teacher, on: probe)

        var metrics = evaluateQuality(result.model, on: heldOut ?? train).metrics
        metrics["teacher_distance"] = finalDistance
        let teacherSHA256 = request.teacher.sha256.isEmpty ? nil : request.teacher.sha256
        let parent = request.student ?? request.teacher
        let lineage = Manifest.Lineage(operation: "distill", parent: parent.manifest.version,
                              parentSha256: parent.sha256.isEmpty ? nil : parent.sha256,
                              teacher: request.teacherName ?? teacherSHA256, datasetSha256: request.datasetSHA256,
                              seed: request.seed, commandLine: request.commandLine,
                              parameters: ["hidden": request.hidden.map(String.init).joined(separator: ","),
                                           "temperature": "\(request.temperature)", "alpha": "\(request.alpha)",
                                           "augment": "\(request.augment)", "epochs": "\(request.epochs)"],
                              kernels: BLASKernel.summary)
        let genome = Genome(hidden: request.hidden, activation: request.activation, learningRate: request.learningRate,
                            batchSize: request.batchSize, optimizer: request.optimizer, epochs: request.epochs)
        let manifest = Manifest(model: result.model, lineage: lineage, id: request.id ?? request.teacher.manifest.id,
                                genome: genome, metrics: metrics)
        let archive = ModelArchive(model: result.model, manifest: manifest, metricsJSONL: try encodeJSONLines(result.epochs))
        var comparison = try ModelComparer.compare(operation: "distill", parent: request.teacher, result: archive,
                                                   on: heldOut ?? train, latencySamples: request.latencySamples)
        comparison.teacherDistance = finalDistance
        return DistillResult(archive: archive, comparison: comparison, initialDistance: initialDistance,
                             finalDistance: finalDistance, trainingSamples: x.rows)
    }

    /// `count` new inputs around `data`: the first half Gaussian noise of `noise` × each
    /// feature's std around random rows, the rest mixup `λ·a + (1 − λ)·b` of two random
    /// rows with λ uniform in [0, 1).
    public static func augmentedInputs(_ data: Dataset, count: Int, noise: Float, seed: UInt64) -> Matrix {
        guard count > 0, data.count > 0 else { return Matrix(rows: 0, cols: data.features) }
        let noisy = count / 2
        var out = Matrix(rows: count, cols: data.features)
        if noisy > 0 {
            let jittered = InputSampler.like(data, samples: noisy, seed: seed ^ 0xA06_0001, jitter: noise)
            out.data.replaceSubrange(0..<jittered.data.count, with: jittered.data)
        }
        var rng = RNG(seed: seed ^ 0x313_0002)
        for i in noisy..<count {
            let a = rng.int(below: data.count), b = rng.int(below: data.count)
            let lambda = rng.uniform()
            for j in 0..<data.features {
                out[i, j] = lambda * data.x[a, j] + (1 - lambda) * data.x[b, j]
            }
        }
        return out
    }

    /// The student's targets for inputs `x`, whose first rows are the ones `truth`
    /// labels. Regression: `alpha`·teacher + (1 − alpha)·truth on those rows, the
    /// teacher's outputs on the rest. Classification: the teacher's probabilities at
    /// `temperature`, with the true classes (the teacher's arg-max on augmented rows)
    /// as hard labels weighted 1 − alpha.
    public static func teacherTargets(teacher: Model, x: Matrix, truth: Targets, temperature: Float, alpha: Float) -> TrainingTargets {
        let logits = teacher.predict(x)
        switch truth {
        case .values(let y):
            var blended = logits
            for r in 0..<y.rows {
                for c in 0..<y.cols { blended[r, c] = alpha * logits[r, c] + (1 - alpha) * y[r, c] }
            }
            return .values(blended)
        case .classes(let labels):
            var hard = labels
            for r in labels.count..<x.rows { hard.append(Int32(argmax(logits, row: r))) }
            return .soft(probabilities: softmax(logits, temperature: temperature), temperature: temperature,
                         hard: hard, alpha: alpha)
        }
    }

    /// How far the student is from the teacher on inputs `x`: the mean squared
    /// difference of their outputs (regression), or the mean KL divergence
    /// KL(teacher ‖ student) of their class probabilities at temperature 1.
    public static func distance(student: Model, teacher: Model, on x: Matrix) -> Double {
        let s = student.predict(x), t = teacher.predict(x)
        guard x.rows > 0 else { return 0 }
        switch teacher.task {
        case .regression:
            var sum = 0.0
            for (a, b) in zip(s.data, t.data) { sum += Double(a - b) * Double(a - b) }
            return sum / Double(s.data.count)
        case .classification:
            let ps = softmax(s, temperature: 1), pt = softmax(t, temperature: 1)
            var sum = 0.0
            for (p, q) in zip(pt.data, ps.data) where p > 0 {
                sum += Double(p) * (log(Double(p)) - log(max(Double(q), 1e-12)))
            }
            return sum / Double(x.rows)
        }
    }

    static func softmax(_ logits: Matrix, temperature: Float) -> Matrix {
        var out = logits
        for r in 0..<logits.rows {
            var top = -Float.infinity
            for c in 0..<logits.cols { top = max(top, logits[r, c]) }
            var sum: Float = 0
            for c in 0..<logits.cols {
                let e = exp((logits[r, c] - top) / temperature)
                out[r, c] = e
                sum += e
            }
            for c in 0..<logits.cols { out[r, c] /= sum }
        }
        return out
    }

    static func argmax(_ m: Matrix, row r: Int) -> Int {
        var best = 0
        for c in 1..<m.cols where m[r, c] > m[r, best] { best = c }
        return best
    }

    static func stacked(_ a: Matrix, _ b: Matrix) -> Matrix {
        Matrix(rows: a.rows + b.rows, cols: a.cols, data: a.data + b.data)
    }
}
